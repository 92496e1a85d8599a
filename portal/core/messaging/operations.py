"""Actions of messaging. Each runs in the caller's transaction (the view or job commits); the
notifications they need are queued as jobs in that same transaction, so they go once, only if the
action commits.

Here: the checks every message goes through (:func:`check_body`, :func:`read_uploads`), the
user side (:func:`start_conversation` — a secure message or a help request —, :func:`start_contact`
for a visitor, :func:`reply_as_user`, :func:`set_hidden`, :func:`mark_seen_by_user`) and reading
(:func:`visible_messages`, unread counts). The document deposit is :mod:`.deposit`; what operators
do is :mod:`.answers`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.accounts.models import Account, Profile
from portal.core.clock import now
from portal.core.credits.billing.numbering import next_value
from portal.core.messaging import notifications
from portal.core.messaging.models import (
    Attachment,
    Author,
    Conversation,
    ConversationKind,
    ConversationState,
    Message,
)
from portal.core.messaging.rules import length_problem, normalize_body
from portal.core.messaging.taxonomy import Selection, account_category
from portal.core.storage import storage, tenant_key
from portal.core.tenants.config import CurrentTenant
from portal.core.uploads import UploadRefused, read_document
from portal.extensions import db


class MessagingError(ValueError):
    """An action refused for a reason the user can fix; ``message`` is shown to them and
    ``field`` names the form field it belongs to."""

    def __init__(self, message, field: str = "body"):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Upload:
    """A file as a form received it."""

    stream: BinaryIO
    filename: str | None
    document_type: str | None = None


# --- Checks ---------------------------------------------------------------------------------------


def check_body(
    tenant: CurrentTenant,
    text: str | None,
    kind: ConversationKind | str = ConversationKind.MESSAGE,
) -> str:
    """The user's message in a conversation of ``kind``, normalized; refused outside the
    tenant's length for that kind (``MessagingSettings.body_length``: 10 to 750 characters for a
    secure message, up to 5 000 for a help request by default)."""
    minimum, maximum = tenant.config.messaging.body_length(kind)
    problem = length_problem(text or "", minimum, maximum)
    if problem is None:
        return normalize_body(text)
    short, length = problem
    if short == "short":
        raise MessagingError(
            ngettext(
                "Votre message doit comporter au moins %(num)d caractère (il en compte "
                "%(length)d).",
                "Votre message doit comporter au moins %(num)d caractères (il en compte "
                "%(length)d).",
                minimum,
                length=length,
            )
        )
    raise MessagingError(
        ngettext(
            "Votre message ne peut pas dépasser %(num)d caractère (il en compte %(length)d).",
            "Votre message ne peut pas dépasser %(num)d caractères (il en compte %(length)d).",
            maximum,
            length=length,
        )
    )


def read_uploads(tenant: CurrentTenant, uploads: Sequence[Upload], field: str = "files"):
    """Check every file before any is stored: one bad file refuses the message, not half of it."""
    uploads = [u for u in uploads if u.filename]
    maximum = tenant.config.messaging.max_attachments
    if len(uploads) > maximum:
        raise MessagingError(
            ngettext(
                "Joignez au plus %(num)d fichier.", "Joignez au plus %(num)d fichiers.", maximum
            ),
            field,
        )
    accepted = []
    for upload in uploads:
        try:
            accepted.append((upload, read_document(upload.stream, upload.filename)))
        except UploadRefused as exc:
            raise MessagingError(
                _("« %(name)s » : %(problem)s", name=upload.filename, problem=exc.message), field
            ) from None
    return accepted


def store_attachment(tenant_id: int, upload: Upload, document) -> Attachment:
    key = tenant_key(
        tenant_id,
        "messaging",
        uuid.uuid4().hex[:2],
        uuid.uuid4().hex + document.file_type.extension,
    )
    storage().put(key, document.data, document.file_type.content_type)
    return Attachment(
        filename=document.filename,
        content_type=document.file_type.content_type,
        size=len(document.data),
        storage_key=key,
        document_type=upload.document_type,
    )


def add_message(conversation: Conversation, author: Author, body: str, **fields) -> Message:
    message = Message(conversation=conversation, author=author, body=body, **fields)
    message.created_at = now()
    db.session.add(message)
    return message


# The series of conversation numbers in the tenants' number sequences (the billing documents').
CONVERSATION_SERIES = "MSG"


def take_number() -> int:
    """The number of a conversation about to be inserted: the active tenant's next one (1, 2…).

    Take it in the transaction that inserts the conversation: the tenant's sequence stays locked
    until it ends, so parallel creations queue, and a rollback gives the number back.
    """
    return next_value(CONVERSATION_SERIES)


# --- User side ------------------------------------------------------------------------------------


def start_conversation(
    tenant: CurrentTenant,
    account: Account,
    profile: Profile,
    *,
    kind: ConversationKind,
    selection: Selection,
    body: str,
    uploads: Sequence[Upload] = (),
    locale: str = "fr",
    request_key: str | None = None,
) -> Conversation:
    """A secure message (``MESSAGE``) or a help request (``HELP``) about a complete taxonomy
    path; the user is acknowledged by email (and SMS when the profile has a mobile).

    ``request_key`` identifies the form that sent it: posted again (double click, back button,
    two tabs at once), the conversation it already started is returned and nothing is sent twice.
    """
    if request_key and (earlier := _started_by(account, request_key)) is not None:
        return earlier
    if not selection.complete:
        raise MessagingError(_("Choisissez un motif."), "reason")
    text = check_body(tenant, body, kind)
    files = read_uploads(tenant, uploads)
    moment = now()
    codes = (*selection.codes, None, None, None)
    conversation = Conversation(
        kind=kind,
        state=ConversationState.OPEN,
        account_id=account.id,
        profile_id=profile.id,
        category=account_category(tenant, account),
        theme_code=codes[0],
        topic_code=codes[1],
        reason_code=codes[2],
        path_labels=selection.labels,
        subject=" › ".join(selection.labels)[:300],
        locale=locale,
        created_at=moment,
        last_activity_at=moment,
        awaiting_since=moment,
        user_seen_at=moment,
        request_key=request_key,
    )
    try:
        with db.session.begin_nested():  # a duplicate gives its number back
            conversation.number = take_number()
            db.session.add(conversation)
            message = add_message(conversation, Author.USER, text, profile_id=profile.id)
            db.session.flush()
    except IntegrityError:  # the same form, posted in parallel, got there first
        earlier = _started_by(account, request_key) if request_key else None
        if earlier is None:
            raise
        return earlier
    for upload, document in files:
        message.attachments.append(store_attachment(tenant.id, upload, document))
    db.session.flush()
    audit.record(
        "messaging.conversation_started",
        target=conversation,
        kind=kind.value,
        **audit.by_account(account, profile),
    )
    notifications.acknowledge(conversation, profile)
    return conversation


def _started_by(account: Account, request_key: str) -> Conversation | None:
    return db.session.scalar(
        select(Conversation).where(
            Conversation.account_id == account.id, Conversation.request_key == request_key
        )
    )


def start_contact(
    tenant: CurrentTenant, *, name: str, email: str, subject: str, body: str, locale: str = "fr"
) -> Conversation:
    """A visitor's contact form: lands in the operators' inbox; the visitor gets an
    acknowledgement, and later the reply itself, by email."""
    text = check_body(tenant, body, ConversationKind.CONTACT)
    moment = now()
    conversation = Conversation(
        number=take_number(),
        kind=ConversationKind.CONTACT,
        state=ConversationState.OPEN,
        visitor_name=name.strip()[:200],
        visitor_email=email.strip()[:254],
        category="visitor",
        path_labels=[],
        subject=subject.strip()[:300],
        locale=locale,
        created_at=moment,
        last_activity_at=moment,
        awaiting_since=moment,
    )
    db.session.add(conversation)
    add_message(conversation, Author.USER, text)
    db.session.flush()
    notifications.acknowledge(conversation, None)
    return conversation


def reply_as_user(
    tenant: CurrentTenant,
    conversation: Conversation,
    profile: Profile,
    body: str,
    uploads: Sequence[Upload] = (),
) -> Message:
    """The user writes again in their conversation (reopening it if it was closed); like a first
    message, it is acknowledged by email (and SMS)."""
    text = check_body(tenant, body, conversation.kind)
    files = read_uploads(tenant, uploads)
    message = add_message(conversation, Author.USER, text, profile_id=profile.id)
    for upload, document in files:
        message.attachments.append(store_attachment(tenant.id, upload, document))
    moment = message.created_at
    conversation.state = ConversationState.OPEN
    conversation.last_activity_at = moment
    conversation.awaiting_since = conversation.awaiting_since or moment
    conversation.user_seen_at = moment
    conversation.hidden = False
    db.session.flush()
    notifications.acknowledge(conversation, profile)  # every message sent is acknowledged
    return message


def set_hidden(conversation: Conversation, hidden: bool) -> None:
    """Show or hide a conversation in the user's list (« afficher / masquer »)."""
    conversation.hidden = hidden


def mark_seen_by_user(conversation: Conversation) -> None:
    conversation.user_seen_at = now()


# --- Reading --------------------------------------------------------------------------------------


def visible_messages(conversation: Conversation, *, staff: bool) -> list[Message]:
    """The thread, oldest first; internal notes only for operators."""
    return [m for m in conversation.messages if staff or not m.internal]


def unread_by_user(conversation_ids: Sequence[int]) -> dict[int, int]:
    """Operator messages each conversation holds that its user has not seen yet."""
    return _unread(conversation_ids, Author.OPERATOR, Conversation.user_seen_at)


def unread_by_staff(conversation_ids: Sequence[int]) -> dict[int, int]:
    """User messages each conversation holds that no operator has opened since."""
    return _unread(conversation_ids, Author.USER, Conversation.staff_seen_at)


def _unread(conversation_ids: Sequence[int], author: Author, seen_at) -> dict[int, int]:
    """Messages by ``author`` newer than the other side's ``seen_at``, per conversation
    (internal notes never count: users do not see them, operators wrote them)."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        select(Message.conversation_id, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.author == author,
            Message.internal.is_(False),
            seen_at.is_(None) | (Message.created_at > seen_at),
        )
        .group_by(Message.conversation_id)
    ).all()
    return dict(rows)


def account_conversations(
    account: Account, *, kinds: Sequence[ConversationKind], hidden: bool = False
):
    """``select()`` of the account's conversations of ``kinds``, newest activity first."""
    return (
        select(Conversation)
        .where(
            Conversation.account_id == account.id,
            Conversation.kind.in_(list(kinds)),
            Conversation.hidden.is_(hidden),
        )
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
    )


def unread_count(account: Account) -> int:
    """Replies the account has not read yet, across its conversations (for menus and badges)."""
    ids = db.session.scalars(
        select(Conversation.id).where(Conversation.account_id == account.id)
    ).all()
    return sum(unread_by_user(ids).values())
