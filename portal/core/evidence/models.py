"""The evidence archive's one table: an append-only, per-tenant hash chain of proofs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db


class EvidenceRecord(TenantScoped, db.Model):
    """One proof (or one purge) in its tenant's chain.

    ``sequence`` counts from 1 per tenant with no gap; ``previous_hash`` is the ``record_hash`` of
    the record before (the first one chains to :data:`GENESIS_HASH`); ``record_hash`` is the
    SHA-256 of the record's canonical form (:func:`portal.core.evidence.chain.canonical`). A
    purge record has no file: it names the purged records in ``details["purged"]``.
    """

    __tablename__ = "evidence_record"
    __table_args__ = (UniqueConstraint("tenant_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    content_type: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retain_until: Mapped[date | None] = mapped_column(Date)
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class EvidenceIsAppendOnly(RuntimeError):
    pass


@event.listens_for(EvidenceRecord, "before_update")
@event.listens_for(EvidenceRecord, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise EvidenceIsAppendOnly("evidence records cannot be changed or deleted")


class EvidenceCheck(TenantScoped, db.Model):
    """One daily check of a tenant's chain: the head it reached (the next check must reach it
    again: records deleted from the end of a chain leave no gap) or the problem it found, and
    whether the administrators were alerted (once a day)."""

    __tablename__ = "evidence_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date, index=True)
    record_id: Mapped[int | None]
    sequence: Mapped[int | None]
    record_hash: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)
    alerted: Mapped[bool] = mapped_column(default=False)


@event.listens_for(EvidenceCheck, "before_update")
@event.listens_for(EvidenceCheck, "before_delete")
def _refuse_check_rewrite(mapper, connection, target):
    raise EvidenceIsAppendOnly("evidence checks cannot be changed or deleted")
