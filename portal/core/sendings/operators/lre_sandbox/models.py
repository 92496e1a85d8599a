"""What the sandbox LRE operator keeps on its side, as AR24 would: each deposit (the portal's
``delivery_id`` unique), its documents and its events with their sealed proofs.

Tenant-scoped like an operator's per-customer account: a recipient's link only opens on the host
of the tenant that deposited the letter.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.tenants import TenantScoped
from portal.extensions import db


class LreSandboxDeposit(TenantScoped, db.Model):
    """One registered email deposited with the sandbox operator.

    ``status`` is the operator's own word (AR24's: waiting, sent, AR, refused, negligence,
    bounced); ``secret`` is the key of the recipient's page."""

    __tablename__ = "lre_sandbox_deposit"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    qualified: Mapped[bool] = mapped_column(default=False)
    scenario: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    sender: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient: Mapped[dict] = mapped_column(JSON, default=dict)
    deposited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The end of the 15 days counted from the day after the first notification (UTC instant).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    identified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    identified_name: Mapped[str | None] = mapped_column(String(200))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_attempts: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    documents: Mapped[list[LreSandboxDocument]] = relationship(
        order_by="LreSandboxDocument.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[LreSandboxEvent]] = relationship(
        order_by="LreSandboxEvent.id", cascade="all, delete-orphan"
    )


class LreSandboxDocument(TenantScoped, db.Model):
    __tablename__ = "lre_sandbox_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int] = mapped_column(
        ForeignKey("lre_sandbox_deposit.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class LreSandboxEvent(TenantScoped, db.Model):
    """An event of a deposit, as the operator reports it (callback and polling alike): its
    ``event_id`` never changes, its proof is made once."""

    __tablename__ = "lre_sandbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int] = mapped_column(
        ForeignKey("lre_sandbox_deposit.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))  # the portal's SendingState value
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(Text, default="")
    proof_kind: Mapped[str | None] = mapped_column(String(20))
    proof_filename: Mapped[str | None] = mapped_column(String(120))
    proof: Mapped[bytes | None] = mapped_column(LargeBinary)


MODELS = [LreSandboxDeposit, LreSandboxDocument, LreSandboxEvent]
