"""What the development mail and SMS boxes recorded instead of sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.core.tenants.scoping import TenantScoped
from portal.extensions import db

KINDS = ("email", "sms")


class DevboxMessage(TenantScoped, db.Model):
    """One email or SMS 'sent' while ``PORTAL_MAIL=dev`` / ``PORTAL_SMS=dev``."""

    __tablename__ = "devbox_message"
    __table_args__ = (CheckConstraint("kind IN ('email', 'sms')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sender: Mapped[str] = mapped_column(String(998))
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated, as displayed
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")  # text part, or the SMS
    # The whole RFC 5322 message of an email, so the mailbox shows exactly what SMTP would carry.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<DevboxMessage {self.id} {self.kind} to {self.recipients}>"
