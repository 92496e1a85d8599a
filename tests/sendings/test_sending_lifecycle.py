"""A sending in the portal's hands: validated (charged once, frozen, scheduled), moved or
cancelled (refunded once) until the eve of its due day, never after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sendingkit import (
    PRICE,
    RECIPIENT,
    make_agency,
    make_sending,
    memory_fixture,  # noqa: F401 - the ``memory`` fixture
    sending_of,
    states_fixture,  # noqa: F401 - the ``states`` fixture
)
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.credits.ledger import InsufficientCredit, balance_cents
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.jobs import drain
from portal.core.sendings import (
    NewDocument,
    Party,
    SendingFrozen,
    SendingState,
    TooLateToChange,
    cancel_sending,
    reschedule,
    update_draft,
    validate_sending,
)
from portal.core.tenants import tenant_scope
from portal.extensions import db

# Tuesday 8 December 2026, 10:00 in Paris.
MONDAY_MORNING = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _entries(agency, kind):
    return db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == agency.id, LedgerEntry.kind == kind)
        .order_by(LedgerEntry.id)
    ).all()


@pytest.fixture
def frozen_clock(monkeypatch):
    moment = {"now": MONDAY_MORNING}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


def test_validation_charges_once_freezes_and_schedules(app, memory, states, frozen_clock):
    agency = make_agency(app)
    due = MONDAY_MORNING + timedelta(days=3)
    reference = make_sending(app, agency, due_at=due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.SCHEDULED
        assert sending.charged and sending.price_cents == PRICE
        assert sending.due_at.replace(tzinfo=UTC) == due
        validate_sending(sending, due_at=due)  # a double click
        sending.charged = False  # even one that forgot the first: the ledger's key holds
        sending.state = SendingState.DRAFT
        validate_sending(sending, due_at=due)
        db.session.commit()
        assert balance_cents(agency.id) == 5000 - PRICE
        [charge] = _entries(agency, EntryKind.CHARGE)
        assert charge.idempotency_key == f"sending:{reference}"
        assert charge.amount_cents == -PRICE
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        sending.state = SendingState.SCHEDULED
        for change in (
            {"documents": [NewDocument("autre.pdf", PDF_BYTES)]},
            {"recipient": Party("Quelqu'un d'autre", email="autre@example.org")},
            {"options": {"qualified": True}},
        ):
            with pytest.raises(SendingFrozen):
                update_draft(sending, **change)
        assert sending.recipient_party() == RECIPIENT
        assert [d.filename for d in sending.documents] == ["lettre.pdf"]
        db.session.rollback()
    drain(app)
    assert [state for ref, state in states.calls if ref == reference] == [
        "validated",
        "scheduled",
    ]


def test_a_draft_changes_until_validated(app, memory, frozen_clock):
    agency = make_agency(app)
    reference = make_sending(app, agency, validate=False)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        update_draft(sending, options={"qualified": True}, title="Nouveau titre")
        db.session.commit()
        assert sending_of(reference).options == {"qualified": True}
        assert balance_cents(agency.id) == 5000  # nothing charged before validation


def test_without_enough_credit_nothing_is_validated(app, memory, frozen_clock):
    agency = make_agency(app, credit=100)
    with pytest.raises(InsufficientCredit):
        make_sending(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert balance_cents(agency.id) == 100


def test_cancelled_the_day_before_it_is_refunded_once(app, memory, states, frozen_clock):
    agency = make_agency(app)
    # Due Wednesday 9 December, 08:00 in Paris; cancelled Tuesday evening at 23:30 in Paris.
    due = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    reference = make_sending(app, agency, due_at=due)
    frozen_clock["now"] = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        cancel_sending(sending, "Le client a changé d'avis")
        cancel_sending(sending, "deux fois")  # a second click: nothing more
        db.session.commit()
        assert sending.state == SendingState.CANCELLED
        assert sending.cancel_reason == "Le client a changé d'avis"
        assert balance_cents(agency.id) == 5000
        assert len(_entries(agency, EntryKind.REFUND)) == 1
    drain(app)
    assert (reference, "cancelled") in states.calls


def test_on_the_due_day_it_can_no_longer_be_moved_nor_cancelled(app, memory, frozen_clock):
    agency = make_agency(app)
    due = datetime(2026, 12, 9, 16, 0, tzinfo=UTC)
    reference = make_sending(app, agency, due_at=due)
    # 9 December 00:10 in Paris (8 December 23:10 UTC): the due day in the tenant's zone.
    frozen_clock["now"] = datetime(2026, 12, 8, 23, 10, tzinfo=UTC)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        with pytest.raises(TooLateToChange):
            cancel_sending(sending, "trop tard")
        with pytest.raises(TooLateToChange):
            reschedule(sending, due + timedelta(days=2))
        db.session.rollback()
        assert sending_of(reference).state == SendingState.SCHEDULED
        assert balance_cents(agency.id) == 5000 - PRICE


def test_rescheduled_until_the_eve(app, memory, frozen_clock):
    agency = make_agency(app)
    due = MONDAY_MORNING + timedelta(days=2)
    reference = make_sending(app, agency, due_at=due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        reschedule(sending, due + timedelta(days=5))
        db.session.commit()
        sending = sending_of(reference)
        assert sending.due_at.replace(tzinfo=UTC) == due + timedelta(days=5)
        assert sending.state == SendingState.SCHEDULED
        assert any(event.code == "rescheduled" for event in sending.events)
        assert balance_cents(agency.id) == 5000 - PRICE  # charged once, not again
