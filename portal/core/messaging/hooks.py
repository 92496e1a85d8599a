"""Hook implementations of the messaging module (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def register_models():
    from portal.core.messaging.models import Attachment, Conversation, Message

    return [Conversation, Message, Attachment]


@hookimpl
def register_jobs():
    from portal.core.messaging.notifications import send_acknowledgement_sms

    return [send_acknowledgement_sms]


@hookimpl
def main_menu_items(tenant):
    """« Aide » (help request and follow-up) for a logged-in account, where the tenant has it."""
    from portal.core.accounts.session import current_account

    if current_account() is None or not tenant.config.messaging.help_requests:
        return []
    return [NavItem(label=_l("Aide"), endpoint="messaging.help", order=900)]


@hookimpl
def messaging_conversations_page(tenant, kind):
    """The help requests are listed on « Aide », where the tenant offers them."""
    if kind == "help" and tenant.config.messaging.help_requests:
        return "messaging.help_requests"
    return None


def _is_account(account) -> bool:
    """Hook callers may pass no account (tests of other plugins' hooks): nothing to do then."""
    from portal.core.accounts.models import Account

    return isinstance(account, Account)


def _account_attachments(account):
    """``select()`` of every attachment of the account: its messages' (internal notes' included,
    for the purge) and the documents of its deposit not sent yet."""
    from sqlalchemy import or_, select

    from portal.core.messaging.models import Attachment, Conversation, Message

    in_conversations = (
        select(Message.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.account_id == account.id)
    )
    return select(Attachment).where(
        or_(Attachment.account_id == account.id, Attachment.message_id.in_(in_conversations))
    )


@hookimpl
def account_export_files(tenant, account):
    """The account's conversations, their messages (never the operators' internal notes) and
    the files attached to them."""
    if not _is_account(account):
        return None
    from sqlalchemy import select
    from werkzeug.utils import secure_filename

    from portal.core.accounts.export import ExportFile, csv_bytes
    from portal.core.messaging.models import Attachment, Conversation
    from portal.core.messaging.notifications import reference
    from portal.core.storage import storage
    from portal.extensions import db

    conversations = db.session.scalars(
        select(Conversation).where(Conversation.account_id == account.id).order_by(Conversation.id)
    ).all()
    files, conversation_rows, message_rows, attachment_rows = [], [], [], []
    store = storage()

    def add_file(attachment: Attachment, ref: str) -> None:
        path = f"messagerie/pieces-jointes/{attachment.id}-"
        path += secure_filename(attachment.filename) or "document"
        try:
            files.append(ExportFile(path, store.read(attachment.storage_key)))
        except FileNotFoundError:
            path = ""  # listed, but its file is gone
        attachment_rows.append(
            (
                attachment.id,
                ref,
                attachment.document_type,
                attachment.filename,
                attachment.created_at,
                path,
            )
        )

    for conversation in conversations:
        ref = reference(conversation)
        conversation_rows.append(
            (
                ref,
                conversation.kind.value,
                conversation.state.value,
                conversation.subject,
                conversation.created_at,
                conversation.last_activity_at,
                "oui" if conversation.hidden else "non",
            )
        )
        for message in conversation.messages:
            if message.internal:
                continue
            message_rows.append((ref, message.created_at, message.author.value, message.body))
            for attachment in message.attachments:
                add_file(attachment, ref)
    pending = db.session.scalars(
        select(Attachment)
        .where(Attachment.account_id == account.id, Attachment.message_id.is_(None))
        .order_by(Attachment.id)
    )
    for attachment in pending:
        add_file(attachment, "")
    if not conversation_rows and not attachment_rows:
        return []  # the account never wrote: nothing of messaging in its archive
    return [
        ExportFile(
            "messagerie/conversations.csv",
            csv_bytes(
                ["reference", "type", "etat", "objet", "cree_le", "derniere_activite", "masquee"],
                conversation_rows,
            ),
        ),
        ExportFile(
            "messagerie/messages.csv",
            csv_bytes(["reference", "date", "auteur", "texte"], message_rows),
        ),
        ExportFile(
            "messagerie/pieces-jointes.csv",
            csv_bytes(
                ["id", "reference", "type_de_document", "nom_du_fichier", "depose_le", "fichier"],
                attachment_rows,
            ),
        ),
        *files,
    ]


@hookimpl
def on_account_purged(tenant, account):
    """The account's conversations, messages, attachments and their stored files go for good
    (safe twice: a second run finds nothing)."""
    if not _is_account(account):
        return
    from sqlalchemy import delete, select

    from portal.core.messaging.models import Conversation, Message
    from portal.core.storage import storage
    from portal.extensions import db

    store = storage()
    attachments = db.session.scalars(_account_attachments(account)).all()
    for attachment in attachments:
        store.delete(attachment.storage_key)
        db.session.delete(attachment)
    db.session.flush()
    conversation_ids = select(Conversation.id).where(Conversation.account_id == account.id)
    db.session.execute(
        delete(Message).where(Message.conversation_id.in_(conversation_ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(Conversation).where(Conversation.account_id == account.id),
        execution_options={"synchronize_session": False},
    )


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """« Messages » on the dashboard: how many of the account's conversations hold a reply it
    has not read, linking to the page that lists them (« Ma messagerie », « Aide »); none where
    no page lists the account's conversations."""
    if not _is_account(account):
        return None
    from flask_babel import gettext, ngettext
    from sqlalchemy import select

    from portal.core.messaging.models import Conversation, ConversationKind
    from portal.core.messaging.operations import unread_by_user
    from portal.core.plugins import DashboardWidget, current_plugins
    from portal.extensions import db

    pages = [
        current_plugins().first("messaging_conversations_page", tenant=tenant, kind=kind.value)
        for kind in (ConversationKind.MESSAGE, ConversationKind.HELP)
    ]
    endpoint = next((page for page in pages if page), None)
    if endpoint is None:
        return None
    ids = db.session.scalars(
        select(Conversation.id).where(
            Conversation.account_id == account.id,
            Conversation.kind != ConversationKind.CONTACT,
        )
    ).all()
    unread = sum(1 for count in unread_by_user(ids).values() if count)
    return [
        DashboardWidget(
            title=_l("Messages"),
            code="messaging.unread",
            count=unread or None,
            text=ngettext(
                "conversation avec une réponse non lue",
                "conversations avec une réponse non lue",
                unread,
            )
            if unread
            else gettext("Aucune réponse non lue."),
            endpoint=endpoint,
            link_label=_l("Voir mes échanges"),
            order=20,
        )
    ]
