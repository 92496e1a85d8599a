"""A sending held after validation (a mandate still to be signed): charged, never handed over
while held, its document completed once, then released — or cancelled and refunded whatever the
day when the document never comes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sendingkit import (
    PRICE,
    make_agency,
    make_sending,
    memory_fixture,  # noqa: F401 - the ``memory`` fixture
    run_periodic,
    sending_of,
)
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.credits.ledger import balance_cents
from portal.core.sendings import (
    Channel,
    NewDocument,
    SendingClosed,
    SendingState,
    cancel_held,
    jobs,
    release_held,
    replace_held_document,
)
from portal.core.tenants import tenant_scope
from portal.extensions import db

SIGNED = PDF_BYTES.replace(b"%PDF-1.", b"%PDF-1.") + b"\n% signed\n"


def test_a_held_sending_waits_then_goes_once_released_with_its_signed_document(app, memory):
    agency = make_agency(app)
    reference = make_sending(app, agency, held_for="mandate_signature")  # due now, but held
    run_periodic(app, jobs.dispatch_due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.SCHEDULED and sending.charged
        assert balance_cents(agency.id) == 5000 - PRICE
        replace_held_document(sending, 1, NewDocument("mandat-signe.pdf", SIGNED))
        release_held(sending)
        db.session.commit()
        with pytest.raises(SendingClosed):  # released: its content is frozen again
            replace_held_document(sending, 1, NewDocument("autre.pdf", PDF_BYTES))
        db.session.rollback()
    run_periodic(app, jobs.dispatch_due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.HANDED_OVER
        [handover] = memory[Channel.LRE].handovers
        assert handover.documents[0].content == SIGNED
        assert handover.documents[0].filename == "mandat-signe.pdf"
        codes = [event.code for event in sending.events]
        assert "document_completed" in codes and "released" in codes


def test_a_held_sending_is_cancelled_and_refunded_once_even_on_its_day(app, memory):
    agency = make_agency(app)
    reference = make_sending(app, agency, held_for="mandate_signature", due_at=clock.now())
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        cancel_held(sending, "Le mandat n'a pas été signé avant 20:00.")
        cancel_held(sending, "again")  # a retried job: nothing more
        db.session.commit()
        assert sending.state == SendingState.CANCELLED
        assert balance_cents(agency.id) == 5000
    run_periodic(app, jobs.dispatch_due)
    assert memory[Channel.LRE].handovers == []


def test_a_sending_not_held_cannot_be_cancelled_as_held(app, memory):
    agency = make_agency(app)
    reference = make_sending(app, agency, due_at=clock.now() + timedelta(hours=1))
    with app.app_context(), tenant_scope(agency.tenant_id), pytest.raises(SendingClosed):
        cancel_held(sending_of(reference), "no")
