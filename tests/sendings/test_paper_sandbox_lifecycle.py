"""A paper sending through the whole portal and the sandbox printer: validated (charged),
dispatched, handed over once, then delivered — or returned NPAI — through the printer's real
signed callbacks, each event applied once, its proofs in the evidence archive."""

from __future__ import annotations

import uuid

import pytest
from paperkit import SENDER, recipient, run_printer, shift_clock
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core.jobs import drain
from portal.core.sendings.operators.base import Channel, SendingState
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.accounts import create_account


@pytest.fixture
def agency(app):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    ref = create_account(app, "resilimo", f"agence.papier.{uuid.uuid4().hex[:6]}@example.fr")
    with app.app_context(), tenant_scope(ref.tenant_id):
        account = db.session.get(Account, ref.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="test", actor_label="t")
        db.session.commit()
    return ref


def send_paper(app, agency, to, mode) -> str:
    """Create and validate a paper sending due now, then let the scheduler hand it over."""
    from portal.core.accounts.models import Account
    from portal.core.sendings import NewDocument, PriceLine, create_sending, validate_sending
    from portal.core.sendings.jobs import dispatch_due

    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        sending = create_sending(
            account=account,
            profile=None,
            owner="paper_test",
            channel=Channel.PAPER,
            title="Résiliation du contrat AUTO-123",
            documents=[NewDocument("courrier.pdf", PDF_BYTES)],
            sender=SENDER,
            recipient=to,
            options={"mode": mode, "colour": False, "duplex": True},
            price_lines=[PriceLine("paper_letter", "Courrier", 250)],
        )
        validate_sending(sending)
        reference = sending.reference
        db.session.commit()
    with app.app_context(), unscoped():
        dispatch_due(None)
        db.session.commit()
    drain(app, timeout=60)
    return reference


def sending_of(app, tenant_id, reference):
    from portal.core.sendings import Sending

    with app.app_context(), tenant_scope(tenant_id):
        sending = db.session.scalar(select(Sending).where(Sending.reference == reference))
        timeline = [(e.state, e.source, e.code, e.event_id) for e in sending.events]
        proofs = sorted(p.kind for p in sending.proofs) if hasattr(sending, "proofs") else []
        state, ref, tracking = sending.state, sending.operator_ref, sending.tracking_number
    return state, ref, tracking, timeline, proofs


def test_a_paper_letter_is_delivered_through_the_printers_callbacks(app, agency, monkeypatch):
    tenant = agency.tenant_id
    reference = send_paper(app, agency, recipient(), "lettre_suivie")
    state, operator_ref, tracking, timeline, _ = sending_of(app, tenant, reference)
    assert operator_ref.startswith("MLV-") and tracking.startswith("1L")
    assert state == SendingState.IN_PROGRESS  # the printer's ACCEPTED came by callback
    assert [code for _, source, code, _ in timeline if source == "callback"] == ["ACCEPTED"]
    shift_clock(monkeypatch, 12)
    run_printer(app)
    state, _, _, timeline, proofs = sending_of(app, tenant, reference)
    assert state == SendingState.DELIVERED
    codes = [code for _, source, code, _ in timeline if source == "callback"]
    assert codes == ["ACCEPTED", "PROCESSED", "A01", "D01"]
    event_ids = [event_id for *_, event_id in timeline if event_id]
    assert len(event_ids) == len(set(event_ids))  # each applied once
    assert "deposit" in proofs and "delivery" in proofs


def test_a_paper_letter_comes_back_npai(app, agency, monkeypatch):
    tenant = agency.tenant_id
    reference = send_paper(app, agency, recipient(line="NPAI 14 rue Perdue"), "lettre_verte")
    shift_clock(monkeypatch, 20)
    run_printer(app)
    state, _, _, timeline, proofs = sending_of(app, tenant, reference)
    assert state == SendingState.RETURNED
    assert [code for _, source, code, _ in timeline if source == "callback"][-1] == "N10"
    assert "return" in proofs
