"""Helpers of the postal printer sandbox's tests: a letter handed to the configured paper
operator, the printer's clock moved on, its events and proofs read back."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.jobs import drain
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import Channel, Handover, OutgoingDocument, Party
from portal.core.sendings.operators.paper_sandbox.jobs import advance_paper_sandbox
from portal.core.sendings.operators.paper_sandbox.models import PaperSandboxEvent, PaperSandboxJob
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

SENDER = Party(
    name="Jean Fournier",
    company="Agence Fournier Assurances",
    address_lines=("12 rue des Lilas",),
    postal_code="69003",
    city="Lyon",
)


def recipient(name="Élodie Martin", line="8 avenue Foch", postal_code="75016", city="Paris"):
    return Party(
        name=name, address_lines=(line,) if line else (), postal_code=postal_code, city=city
    )


def letter(mode="lettre_verte", *, to: Party | None = None, delivery_id: str | None = None):
    return Handover(
        delivery_id=delivery_id or "ENV-" + uuid.uuid4().hex[:16],
        channel=Channel.PAPER,
        sender=SENDER,
        recipient=to or recipient(),
        documents=(OutgoingDocument("courrier.pdf", PDF_BYTES),),
        options={"mode": mode, "colour": False, "duplex": True},
    )


def hand_over(app, tenant_id: int, handover: Handover):
    """Hand ``handover`` to the configured paper operator; its ``Accepted``."""
    with app.app_context(), tenant_scope(tenant_id):
        accepted = operator_for(Channel.PAPER).hand_over(handover)
        db.session.commit()
    drain(app)
    return accepted


REAL_NOW = clock.now


def shift_clock(monkeypatch, days: float) -> None:
    """The portal's (and so the printer's) clock ``days`` ahead of now."""
    monkeypatch.setattr(clock, "now", lambda: REAL_NOW() + timedelta(days=days))


def run_printer(app) -> None:
    """The printer's periodic job as the scheduler runs it, then every job it queued."""
    with app.app_context(), unscoped():
        advance_paper_sandbox(None)
        db.session.commit()
    drain(app, timeout=60)


def events(app, tenant_id: int, reference: str):
    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        return operator_for(Channel.PAPER).events(reference)


def codes(app, tenant_id: int, reference: str) -> list[str]:
    return [event.code for event in events(app, tenant_id, reference)]


def job_row(app, tenant_id: int, reference: str) -> PaperSandboxJob:
    with app.app_context(), tenant_scope(tenant_id):
        job = db.session.scalar(
            select(PaperSandboxJob).where(PaperSandboxJob.reference == reference)
        )
        db.session.expunge(job)
        return job


def callbacks_sent(app, tenant_id: int, reference: str) -> list[str]:
    """The event ids whose callback reached the portal."""
    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        return list(
            db.session.scalars(
                select(PaperSandboxEvent.event_id)
                .join(PaperSandboxJob)
                .where(
                    PaperSandboxJob.reference == reference,
                    PaperSandboxEvent.callback_sent_at.is_not(None),
                )
                .order_by(PaperSandboxEvent.id)
            )
        )


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split())  # lines wrap anywhere
