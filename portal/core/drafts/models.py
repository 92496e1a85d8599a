"""A wizard's work in progress, kept on the server for its account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db


class Draft(TenantScoped, db.Model):
    """One draft per account and ``kind`` (e.g. ``secure_messaging.message``)."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("tenant_id", "account_id", "kind", name="uq_draft_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
