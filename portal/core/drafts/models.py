"""A wizard's work in progress, kept on the server for its account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db


class Draft(TenantScoped, db.Model):
    """One piece of work in progress of an account: several may exist per ``kind`` (e.g.
    ``secure_messaging.message``), each reached by its ``key`` in URLs."""

    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_list", "tenant_id", "account_id", "kind", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public identifier of URLs: random, so a draft's address says nothing about others.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    # The profile that last changed it (« modifié par … » in the list).
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(64))
    # What the list shows of it (e.g. the subject chosen so far); empty until the owner says.
    title: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
