"""Helpers of the secure_messaging tests: msr members logged in without the login page, CSRF
tokens, small real files, the development mailbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from webkit import PDF_BYTES, csrf_token, devbox, location, log_in, png_bytes, post, text_of  # noqa: F401 - re-exported

from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.tenants import tenant_scope
from portal.extensions import db

HOST = "msr.localhost"


@dataclass
class Member:
    tenant_id: int
    account_id: int
    profile_id: int
    email: str
    session_version: int = 1


def make_member(
    app,
    tenant_ids,
    email: str = "claire.martin@example.fr",
    *,
    category: str | None = "individual",
    mobile: str | None = "+33612345678",
    slug: str = "msr",
    password: str | None = None,
) -> Member:
    """An active member account of ``slug`` with its holder profile (the profile's mobile gets the
    acknowledgement SMS)."""
    from portal.core.accounts.passwords import hash_password

    with app.app_context(), tenant_scope(tenant_ids[slug]):
        account = Account(
            email=email,
            password_hash=hash_password(password) if password else None,
            status=AccountStatus.ACTIVE,
            first_name="Claire",
            last_name="Martin",
            commercial_name="",
            address="4 chemin des Vignes",
            postal_code="45000",
            city="Orléans",
            phone="+33238000000",
            mobile=mobile,
            category=category,
        )
        holder = Profile(
            account=account, name="Claire Martin", email=email, mobile=mobile, is_holder=True
        )
        db.session.add_all([account, holder])
        db.session.commit()
        return Member(account.tenant_id, account.id, holder.id, email, account.session_version)


def logged_in(client_for, member: Member, slug: str = "msr"):
    """A client on ``slug``'s host with the member's session (profile chosen)."""
    return log_in(client_for, slug, member.account_id, member.profile_id, member.session_version)


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
    app, member: Member, subject: str, *, minutes_ago: int = 0, replies: int = 0, kind="message"
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

    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    with app.app_context(), tenant_scope(member.tenant_id):
        conversation = Conversation(
            kind=ConversationKind(kind),
            state=ConversationState.ANSWERED if replies else ConversationState.OPEN,
            account_id=member.account_id,
            profile_id=member.profile_id,
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
                profile_id=member.profile_id,
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
