"""The document deposit (secure_messaging's « Envoyer un document »): documents are added one by
one to the account's deposit in progress, then sent to the operators as one conversation. Each
runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.core import audit
from portal.core.accounts.models import Account, Profile
from portal.core.messaging import notifications
from portal.core.messaging.models import (
    Attachment,
    Author,
    Conversation,
    ConversationKind,
    ConversationState,
)
from portal.core.messaging.operations import (
    MessagingError,
    Upload,
    add_message,
    check_body,
    now,
    read_uploads,
    store_attachment,
    take_number,
)
from portal.core.messaging.rules import normalize_body
from portal.core.messaging.taxonomy import account_category
from portal.core.storage import storage
from portal.core.tenants.config import CurrentTenant
from portal.extensions import db


def pending_documents(account: Account) -> list[Attachment]:
    """Documents uploaded for a deposit not yet sent, oldest first."""
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.account_id == account.id, Attachment.message_id.is_(None))
            .order_by(Attachment.id)
        )
    )


def add_pending_document(
    tenant: CurrentTenant, account: Account, upload: Upload, document_types: Sequence[str]
) -> Attachment:
    """Keep one document of a deposit: each upload is checked and stored on its own, so a refused
    file leaves the others in place. ``upload.document_type`` must be one of ``document_types``."""
    if upload.document_type not in document_types:
        raise MessagingError(_("Choisissez un type de document de la liste."), "document_type")
    if not upload.filename:
        raise MessagingError(_("Choisissez le fichier à envoyer."), "file")
    if len(pending_documents(account)) >= tenant.config.messaging.max_attachments:
        raise MessagingError(
            _("Ce dépôt contient déjà le nombre maximal de documents : envoyez-le d'abord."), "file"
        )
    [(_upload, document)] = read_uploads(tenant, [upload], "file")
    attachment = store_attachment(tenant.id, upload, document)
    attachment.account_id = account.id
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_pending_document(account: Account, attachment_id: int) -> bool:
    attachment = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.account_id == account.id,
            Attachment.message_id.is_(None),
        )
    )
    if attachment is None:
        return False
    storage().delete(attachment.storage_key)
    db.session.delete(attachment)
    return True


def send_deposit(
    tenant: CurrentTenant, account: Account, profile: Profile, comment: str, locale: str = "fr"
) -> Conversation:
    """Send the pending documents to the operators as one conversation."""
    documents = pending_documents(account)
    if not documents:
        raise MessagingError(_("Ajoutez au moins un document avant d'envoyer."), "file")
    text = normalize_body(comment)
    if len(text) > tenant.config.messaging.body_length(ConversationKind.DEPOSIT)[1]:
        text = check_body(tenant, text, ConversationKind.DEPOSIT)  # the same "too long" message
    moment = now()
    types = sorted({d.document_type for d in documents if d.document_type})
    conversation = Conversation(
        number=take_number(),
        kind=ConversationKind.DEPOSIT,
        state=ConversationState.OPEN,
        account_id=account.id,
        profile_id=profile.id,
        category=account_category(tenant, account),
        path_labels=[],
        subject=(_("Dépôt de documents") + (" : " + ", ".join(types) if types else ""))[:300],
        locale=locale,
        created_at=moment,
        last_activity_at=moment,
        awaiting_since=moment,
        user_seen_at=moment,
    )
    db.session.add(conversation)
    body = text or ngettext(
        "%(num)d document déposé.", "%(num)d documents déposés.", len(documents)
    )
    message = add_message(conversation, Author.USER, body, profile_id=profile.id)
    for document in documents:
        document.account_id = None
        message.attachments.append(document)
    db.session.flush()
    audit.record(
        "messaging.documents_deposited",
        target=conversation,
        count=len(documents),
        **audit.by_account(account, profile),
    )
    notifications.acknowledge(conversation, profile)
    return conversation
