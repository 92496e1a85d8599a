"""Conversations between a user (an account's profile, or a visitor) and the tenant's operators.

A conversation holds messages (the user's, the operators' replies, the operators' internal notes)
and their attachments. What was chosen in the taxonomy is kept as codes (for the operators'
filters) and as the labels the user saw (the taxonomy may change later).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class ConversationKind(enum.StrEnum):
    MESSAGE = "message"  # secure message written through theme → topic → reason
    HELP = "help"  # an agent's help request
    DEPOSIT = "deposit"  # documents deposited (secure_messaging's document deposit)
    CONTACT = "contact"  # a visitor's contact form (no account)


class ConversationState(enum.StrEnum):
    OPEN = "open"  # waiting for the operators
    ANSWERED = "answered"  # an operator replied last
    CLOSED = "closed"


class Author(enum.StrEnum):
    USER = "user"
    OPERATOR = "operator"


class Conversation(TenantScoped, db.Model):
    __tablename__ = "messaging_conversation"
    __table_args__ = (
        Index("ix_messaging_conversation_inbox", "tenant_id", "state", "last_activity_at"),
        UniqueConstraint("tenant_id", "request_key", name="uq_messaging_conversation_request"),
        UniqueConstraint("tenant_id", "number", name="uq_messaging_conversation_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Its number within the tenant (1, 2…), the one users quote (M-000001): the global id
    # would tell a tenant's users how many conversations all tenants have.
    number: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[ConversationKind] = mapped_column(str_enum(ConversationKind, 16))
    state: Mapped[ConversationState] = mapped_column(str_enum(ConversationState, 16))
    # The account and the profile that wrote; both empty for a visitor's contact form.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )
    visitor_name: Mapped[str | None] = mapped_column(String(200))
    visitor_email: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(32))
    theme_code: Mapped[str | None] = mapped_column(String(48))
    topic_code: Mapped[str | None] = mapped_column(String(48))
    reason_code: Mapped[str | None] = mapped_column(String(48))
    # The labels of the chosen path as the user saw them: ["Famille, logement", …].
    path_labels: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300))
    # The key of the form that sent it: the same form posted twice starts one conversation.
    request_key: Mapped[str | None] = mapped_column(String(64))
    # The user's language when they wrote: their notifications are in it.
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    assigned_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # The user hid it from their list (« masquer »); it comes back when a reply arrives.
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Since when the user waits for an answer (None when an operator replied last).
    awaiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Last time each side opened it: what came after from the other side is unread.
    user_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(TenantScoped, db.Model):
    __tablename__ = "messaging_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[Author] = mapped_column(str_enum(Author, 16))
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # An operators' internal note: never shown to the user, never notified.
    internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )


class Attachment(TenantScoped, db.Model):
    """A file of a message. Documents uploaded for a deposit not yet sent have no message: they
    wait in the account's deposit (``account_id``) until it is sent or they are removed."""

    __tablename__ = "messaging_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messaging_message.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    document_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    message: Mapped[Message | None] = relationship(back_populates="attachments")
