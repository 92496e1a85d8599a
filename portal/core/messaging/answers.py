"""What operators do with a conversation (back office): answer (with files), keep internal
notes, assign, close and reopen. Each runs in the caller's transaction and is audited; an answer
notifies the user."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from portal.core import audit
from portal.core.backoffice.models import StaffUser
from portal.core.messaging import notifications
from portal.core.messaging.models import Author, Conversation, ConversationState, Message
from portal.core.messaging.operations import (
    MessagingError,
    Upload,
    add_message,
    now,
    read_uploads,
    store_attachment,
)
from portal.core.messaging.rules import OPERATOR_MAX_CHARS, normalize_body
from portal.core.tenants.config import CurrentTenant
from portal.extensions import db


def _operator_text(text: str | None) -> str:
    body = normalize_body(text)
    if not body:
        raise MessagingError(_("Écrivez votre réponse."))
    if len(body) > OPERATOR_MAX_CHARS:
        raise MessagingError(
            _("La réponse ne peut pas dépasser %(num)d caractères.", num=OPERATOR_MAX_CHARS)
        )
    return body


def reply_as_operator(
    tenant: CurrentTenant,
    conversation: Conversation,
    staff: StaffUser,
    body: str,
    uploads: Sequence[Upload] = (),
) -> Message:
    """An operator answers: the user is told by email; the conversation is ``answered``."""
    text = _operator_text(body)
    files = read_uploads(tenant, uploads)
    message = add_message(conversation, Author.OPERATOR, text, staff_id=staff.id)
    for upload, document in files:
        message.attachments.append(store_attachment(tenant.id, upload, document))
    conversation.state = ConversationState.ANSWERED
    conversation.last_activity_at = message.created_at
    conversation.awaiting_since = None
    conversation.staff_seen_at = message.created_at
    conversation.hidden = False  # a hidden conversation comes back with its reply
    if conversation.assigned_staff_id is None:
        conversation.assigned_staff_id = staff.id
    db.session.flush()
    audit.record(
        "messaging.replied", target=conversation, **audit.by_staff(staff, conversation.tenant_id)
    )
    notifications.reply_arrived(conversation, message)
    return message


def add_note(conversation: Conversation, staff: StaffUser, body: str) -> Message:
    """An internal note: only operators see it; nobody is notified."""
    message = add_message(
        conversation, Author.OPERATOR, _operator_text(body), staff_id=staff.id, internal=True
    )
    db.session.flush()
    return message


def assign(conversation: Conversation, assignee: StaffUser | None, staff: StaffUser) -> None:
    conversation.assigned_staff_id = assignee.id if assignee else None
    audit.record(
        "messaging.assigned",
        target=conversation,
        assignee=assignee.email if assignee else None,
        **audit.by_staff(staff, conversation.tenant_id),
    )


def close(conversation: Conversation, staff: StaffUser) -> None:
    conversation.state = ConversationState.CLOSED
    conversation.awaiting_since = None
    audit.record(
        "messaging.closed", target=conversation, **audit.by_staff(staff, conversation.tenant_id)
    )


def reopen(conversation: Conversation, staff: StaffUser) -> None:
    conversation.state = ConversationState.OPEN
    conversation.awaiting_since = now()
    audit.record(
        "messaging.reopened", target=conversation, **audit.by_staff(staff, conversation.tenant_id)
    )


def mark_seen_by_staff(conversation: Conversation) -> None:
    conversation.staff_seen_at = now()
