"""Operator staff: platform employees who log in to the back office with a second factor; and
what operators note on an account (mandate requests)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.accounts.session_records import SessionRecord
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class StaffRole(enum.StrEnum):
    SUPPORT = "support"  # queues, accounts, help requests
    ADMIN = "admin"  # everything support does, plus tenants and staff


class StaffUser(db.Model):
    """Not tenant-scoped: staff work across tenants, always inside ``unscoped()`` blocks."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, 16))
    # Base32 TOTP secret; the second factor is mandatory once enrolled at first login.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


class StaffSession(SessionRecord, db.Model):
    """One back-office login of a staff member (``portal.core.accounts.session_records``)."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )


class MandateEvent(enum.StrEnum):
    """What happened to a mandate outside the portal's own signature flow."""

    REQUESTED = "requested"  # the holder asked for it (e.g. by a help request, to sign early)
    SENT = "sent"  # the operator sent it to the holder to sign
    RECEIVED = "received"  # the signed mandate came back


class MandateChannel(enum.StrEnum):
    HELP_REQUEST = "help_request"
    EMAIL = "email"
    PHONE = "phone"
    PAPER = "paper"
    OTHER = "other"


class MandateRecord(TenantScoped, db.Model):
    """An operator's note that a mandate was requested, sent or received for an account (JRMC
    FAQ: a holder may ask through « Demande d'aide » to sign the platform mandate before using a
    service). Append-only, like a register: a wrong note is corrected by a new one."""

    __tablename__ = "backoffice_mandate_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[MandateEvent] = mapped_column(str_enum(MandateEvent, 16))
    channel: Mapped[MandateChannel] = mapped_column(str_enum(MandateChannel, 16))
    occurred_on: Mapped[date] = mapped_column(Date)
    # Who asked for, or sent back, the mandate (the holder, a collaborator…), as the operator
    # was told.
    person: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    staff_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
