"""The postal printer sandbox's own records: the print jobs it was handed, every event it
produced (with its proofs) and whether its callback reached the portal.

They stand for what an outside printer keeps on its side; the portal's own ``sending`` rows never
point here except through ``delivery_id`` and the operator's ``reference``."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import now
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class PrintStatus(enum.StrEnum):
    """Where a print job is (BeePOST's production states: réceptionné, en cours d'édition,
    déposé à la poste, remis / pli non distribué)."""

    RECEIVED = "received"
    PRINTING = "printing"
    POSTED = "posted"
    AWAITING_PICKUP = "awaiting_pickup"  # avisé, waits at the post office
    DISTRIBUTED = "distributed"  # registered with AR: handed over, its signed card on its way
    DELIVERED = "delivered"
    RETURNED = "returned"
    REFUSED = "refused"
    NOT_CLAIMED = "not_claimed"


FINAL_STATUSES = frozenset(
    {PrintStatus.DELIVERED, PrintStatus.RETURNED, PrintStatus.REFUSED, PrintStatus.NOT_CLAIMED}
)


class PaperSandboxJob(TenantScoped, db.Model):
    """A sending the sandbox printer holds, once per ``delivery_id`` (the portal's id)."""

    __tablename__ = "paper_sandbox_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(20))
    scenario: Mapped[str] = mapped_column(String(20))
    status: Mapped[PrintStatus] = mapped_column(
        str_enum(PrintStatus, 20), default=PrintStatus.RECEIVED, index=True
    )
    sender: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # filename, sha256, size, pages
    pages: Mapped[int] = mapped_column(Integer, default=0)
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # The steps to come (rules.Step as JSON) and how many of them happened.
    plan: Mapped[list] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    # When the next production or postal step happens (None once final).
    next_step_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    events: Mapped[list[PaperSandboxEvent]] = relationship(
        back_populates="job",
        order_by=lambda: (PaperSandboxEvent.occurred_at, PaperSandboxEvent.id),
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<PaperSandboxJob {self.reference} {self.status}>"


class PaperSandboxEvent(TenantScoped, db.Model):
    """One step of a print job, with Maileva's code verbatim and a stable ``event_id``."""

    __tablename__ = "paper_sandbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("paper_sandbox_job.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(20))
    status: Mapped[PrintStatus] = mapped_column(str_enum(PrintStatus, 20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(Text, default="")
    callback_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    job: Mapped[PaperSandboxJob] = relationship(back_populates="events")
    proofs: Mapped[list[PaperSandboxProof]] = relationship(
        back_populates="event", order_by="PaperSandboxProof.id", cascade="all, delete-orphan"
    )


class PaperSandboxProof(TenantScoped, db.Model):
    """A proof the printer issued with an event (a sealed PDF), downloadable again and again."""

    __tablename__ = "paper_sandbox_proof"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("paper_sandbox_event.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(60), default="application/pdf")
    content: Mapped[bytes] = mapped_column(LargeBinary)

    event: Mapped[PaperSandboxEvent] = relationship(back_populates="proofs")


MODELS = [PaperSandboxJob, PaperSandboxEvent, PaperSandboxProof]
