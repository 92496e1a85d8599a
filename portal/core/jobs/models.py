"""Tables of the jobs module: the transactional outbox and the claimed periodic runs.

Both are global tables (not ``TenantScoped``): the scheduler and workers read them across tenants.
A job row still records the tenant it runs for, and the worker re-enters that tenant's scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db


class Job(db.Model):
    """One unit of background work, written in the caller's transaction (the outbox).

    Lifecycle: created → dispatched (sent to the broker) → started → completed. ``not_before``
    holds work due at a date, a failed attempt's retry date included: the scheduler sends it when
    due, never the broker's own delays. A running attempt holds a lease (``lease_until``) that its
    worker renews; a lease left to lapse (a killed worker) is a lost attempt, counted, and the
    scheduler sends the row again at once.
    ``handovers`` counts the emails and SMS already handed to a relay, so a retry never re-sends
    them. A row whose retries are exhausted is ``failed_at``, never sent again.
    A plugin's job for a tenant that disables the plugin is *skipped*: closed (``completed_at``)
    and ``skipped_at`` set, never started, ``last_error`` saying why.
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(JSON)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), index=True
    )
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set from Python (UTC) so the scheduler's ``now`` and the rows share one clock.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now, server_default=func.now()
    )
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Finished executions (success or failure); a crash mid-run leaves it unchanged.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    skipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handovers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def skipped(self) -> bool:
        return self.skipped_at is not None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.actor_name} tenant={self.tenant_id}>"


class PeriodicRun(db.Model):
    """A period of a periodic job, claimed by the scheduler that inserted it first."""

    __tablename__ = "periodic_run"
    __table_args__ = (UniqueConstraint("job_name", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now, server_default=func.now()
    )
