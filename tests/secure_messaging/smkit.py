"""Helpers of the secure_messaging tests: msr members (``portal.testing``'s account factory),
their conversations, small real files, the development mailbox."""

from __future__ import annotations

from sqlalchemy import select
from webkit import PDF_BYTES, devbox, location, png_bytes, text_of  # noqa: F401 - re-exported

from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import AccountRef, create_account
from portal.testing.web import csrf_token, logged_in, post_form  # noqa: F401 - re-exported


def make_member(
    app, email: str = "claire.martin@example.fr", *, slug: str = "msr", **fields
) -> AccountRef:
    """A member of ``slug``, Claire Martin, an individual with a mobile (which gets the
    acknowledgement SMS)."""
    values = {
        "first_name": "Claire",
        "last_name": "Martin",
        "commercial_name": "",
        "orias": None,
        "address": "4 chemin des Vignes",
        "postal_code": "45000",
        "city": "Orléans",
        "phone": "+33238000000",
        "mobile": "+33612345678",
        "category": "individual",
        **fields,
    }
    return create_account(app, slug, email, **values)


def conversations(app, tenant_id: int, account_id: int) -> list[dict]:
    """The account's conversations, oldest first, as plain data."""
    from portal.core.messaging.models import Conversation

    with app.app_context(), tenant_scope(tenant_id):
        rows = db.session.scalars(
            select(Conversation)
            .where(Conversation.account_id == account_id)
            .order_by(Conversation.id)
        )
        return [
            {
                "id": row.id,
                "reference": f"M-{row.number:06d}",
                "kind": row.kind.value,
                "codes": (row.theme_code, row.topic_code, row.reason_code),
                "subject": row.subject,
                "hidden": row.hidden,
                "bodies": [m.body for m in row.messages],
                "attachments": [
                    (a.document_type, a.content_type) for m in row.messages for a in m.attachments
                ],
            }
            for row in rows
        ]


def add_conversation(
    app, member: AccountRef, subject: str, *, minutes_ago: int = 0, replies: int = 0, kind="message"
) -> int:
    """A conversation of the member as if written ``minutes_ago`` (with ``replies`` operator
    messages not read yet); returns its id."""
    from datetime import UTC, datetime, timedelta

    from portal.core.messaging.models import (
        Author,
        Conversation,
        ConversationKind,
        ConversationState,
        Message,
    )
    from portal.core.messaging.operations import take_number

    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    with app.app_context(), tenant_scope(member.tenant_id):
        conversation = Conversation(
            number=take_number(),
            kind=ConversationKind(kind),
            state=ConversationState.ANSWERED if replies else ConversationState.OPEN,
            account_id=member.id,
            profile_id=member.holder_profile_id,
            category="individual",
            path_labels=[subject],
            subject=subject,
            created_at=moment,
            last_activity_at=moment + timedelta(seconds=replies),
            user_seen_at=moment,
        )
        db.session.add(conversation)
        db.session.add(
            Message(
                conversation=conversation,
                author=Author.USER,
                body="Bonjour, voici ma question.",
                profile_id=member.holder_profile_id,
                created_at=moment,
            )
        )
        for n in range(replies):
            db.session.add(
                Message(
                    conversation=conversation,
                    author=Author.OPERATOR,
                    body=f"Réponse {n}",
                    created_at=moment + timedelta(seconds=n + 1),
                )
            )
        db.session.commit()
        return conversation.id


def reference_of(app, conversation_id: int) -> str:
    """The reference users see for a conversation (its number within its tenant)."""
    from portal.core.messaging.models import Conversation
    from portal.core.messaging.notifications import reference
    from portal.core.tenants import unscoped

    with app.app_context(), unscoped():
        return reference(db.session.get(Conversation, conversation_id))
