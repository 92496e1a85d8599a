"""Held in the database until due, then handed to the operator exactly once: claimed by the
minute's dispatch, reconciled from the operator after a crash (never sent again), tried again
when the operator is down, failed and refunded when it refuses."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sendingkit import (
    PRICE,
    emails,
    make_agency,
    make_sending,
    memory_fixture,  # noqa: F401 - the ``memory`` fixture
    run_periodic,
    sending_of,
    states_fixture,  # noqa: F401 - the ``states`` fixture
)

from portal.core import clock
from portal.core.credits.ledger import balance_cents
from portal.core.credits.models import Consumption
from portal.core.jobs import drain
from portal.core.sendings import STALE_CLAIM, Channel, SendingState, claim_due, jobs
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db


def _state(app, agency, reference):
    with app.app_context(), tenant_scope(agency.tenant_id):
        return sending_of(reference).state


def _later(monkeypatch, delta):
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + delta)


def test_a_due_sending_is_handed_over_once_and_goes_on_the_invoice(app, memory, states):
    agency = make_agency(app)
    later = make_sending(app, agency, due_at=clock.now() + timedelta(days=2))
    reference = make_sending(app, agency)  # due now
    run_periodic(app, jobs.dispatch_due)
    run_periodic(app, jobs.dispatch_due)  # the next minute: nothing more to hand over
    operator = memory[Channel.LRE]
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.HANDED_OVER
        assert sending.operator == "memory"
        assert sending.operator_ref == operator.held[sending.delivery_id].operator_ref
        assert sending.tracking_number.startswith("TRK")
        assert operator.received == {sending.delivery_id: 1}
        [handover] = operator.handovers
        assert handover.recipient.email == "resiliation@assureur.example"
        assert handover.documents[0].content.startswith(b"%PDF-")
        assert sending_of(later).state == SendingState.SCHEDULED
        [consumption] = db.session.query(Consumption).filter_by(account_id=agency.id).all()
        assert consumption.amount_cents == PRICE
        states_of = [e.state for e in sending.events]
        assert states_of[-3:] == [
            SendingState.SCHEDULED,
            SendingState.DUE,
            SendingState.HANDED_OVER,
        ]
    # The hand-over job delivered again (at least once) sends nothing more.
    with app.app_context(), tenant_scope(agency.tenant_id):
        jobs.hand_over_sending(agency.tenant_id, sending.id)
        db.session.commit()
    assert operator.received == {sending.delivery_id: 1}
    [mail] = [m for m in emails(app, agency.tenant_id) if reference in (m.body_text or "")]
    assert "remis à l'opérateur" in mail.body_text
    assert [s for r, s in states.calls if r == reference].count("handed_over") == 1


def test_a_crash_after_the_operator_took_it_is_reconciled_not_sent_again(app, memory, monkeypatch):
    agency = make_agency(app)
    reference = make_sending(app, agency)
    operator = memory[Channel.LRE]
    operator.crash_after_accept = True
    with app.app_context(), unscoped():
        [(tenant_id, sending_id)] = claim_due(clock.now(), 10)
        db.session.commit()
    with app.app_context(), tenant_scope(tenant_id):
        with pytest.raises(RuntimeError):
            jobs.hand_over_sending(tenant_id, sending_id)
        db.session.rollback()  # the worker died: nothing of the attempt is kept
    assert _state(app, agency, reference) == SendingState.DUE
    operator.crash_after_accept = False
    run_periodic(app, jobs.dispatch_due)  # too early for the sweep: left alone
    assert _state(app, agency, reference) == SendingState.DUE
    _later(monkeypatch, STALE_CLAIM + timedelta(seconds=1))
    run_periodic(app, jobs.dispatch_due)  # the sweep claims it again
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.HANDED_OVER
        assert any(e.code == "reconciled" for e in sending.events)
        assert operator.received == {sending.delivery_id: 1}


def test_an_operator_down_is_tried_again_by_the_sweep(app, memory, monkeypatch):
    agency = make_agency(app)
    reference = make_sending(app, agency)
    operator = memory[Channel.LRE]
    operator.down = True
    run_periodic(app, jobs.dispatch_due)
    assert _state(app, agency, reference) == SendingState.DUE
    operator.down = False
    _later(monkeypatch, STALE_CLAIM + timedelta(minutes=1))
    run_periodic(app, jobs.dispatch_due)
    assert _state(app, agency, reference) == SendingState.HANDED_OVER
    assert list(operator.received.values()) == [1]


def test_an_operator_that_refuses_fails_the_sending_refunds_and_tells(app, memory, states):
    agency = make_agency(app)
    reference = make_sending(app, agency, channel=Channel.PAPER)
    memory[Channel.PAPER].reject = "Adresse non distribuable"
    run_periodic(app, jobs.dispatch_due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.FAILED
        assert sending.completed_at is not None
        assert balance_cents(agency.id) == 5000
    [mail] = [m for m in emails(app, agency.tenant_id) if reference in (m.body_text or "")]
    assert "Adresse non distribuable" in mail.body_text
    assert "recrédité" in mail.body_text
    assert [s for r, s in states.calls if r == reference][-1] == "failed"


@pytest.mark.postgres_only
def test_two_schedulers_claiming_at_once_get_disjoint_sendings(app, backend, memory):
    """Real concurrency on PostgreSQL (SKIP LOCKED); SQLite has one writer at a time."""
    if backend["database"] != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    agency = make_agency(app, credit=100_000)
    references = {make_sending(app, agency) for _ in range(12)}
    claimed: list[list[int]] = []
    first_holds = threading.Event()
    second_done = threading.Event()

    def claim(hold: bool):
        with app.app_context(), unscoped():
            rows = claim_due(clock.now(), 6)
            claimed.append([sending_id for _, sending_id in rows])
            if hold:
                first_holds.set()
                second_done.wait(10)  # keep the rows locked while the other claims
            db.session.commit()
        if not hold:
            second_done.set()

    first = threading.Thread(target=claim, args=(True,))
    first.start()
    assert first_holds.wait(10)
    second = threading.Thread(target=claim, args=(False,))
    second.start()
    second.join(10)
    first.join(10)
    a, b = claimed
    assert len(a) == 6 and len(b) == 6
    assert not set(a) & set(b)
    drain(app)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert {sending_of(r).state for r in references} == {SendingState.DUE}


def test_a_rush_of_due_sendings_goes_in_batches_each_handed_over_once(app, memory, monkeypatch):
    from portal.core.jobs.models import Job

    agency = make_agency(app, credit=200 * PRICE)
    references = [make_sending(app, agency) for _ in range(120)]
    run_periodic(app, jobs.dispatch_due)
    operator = memory[Channel.LRE]
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert {sending_of(r).state for r in references} == {SendingState.HANDED_OVER}
        assert sorted(operator.received.values()) == [1] * 120
        names = [
            j.actor_name for j in db.session.query(Job).filter(Job.actor_name.like("%hand_over%"))
        ]
    # 120 due at once: jobs of 3 sendings (as many jobs as worker threads can take, and more).
    assert names.count("core.sendings.hand_over_sendings") == 40
    assert jobs.batch_size(5) == 1 and jobs.batch_size(10_000) == jobs.HANDOVER_BATCH


def test_a_batch_that_fails_is_split_and_the_faulty_sending_waits_alone(app, memory, monkeypatch):
    agency = make_agency(app, credit=10 * PRICE)
    good, faulty, other = (make_sending(app, agency) for _ in range(3))
    with app.app_context(), tenant_scope(agency.tenant_id):
        faulty_id = sending_of(faulty).id
    real = jobs._hand_over_one

    def hand_over_one(sending_id):
        if sending_id == faulty_id:
            raise RuntimeError("a bug in one sending's data")
        real(sending_id)

    monkeypatch.setattr(jobs, "_hand_over_one", hand_over_one)
    with app.app_context(), unscoped():
        claimed = claim_due(clock.now(), 10)
        db.session.commit()
    with app.app_context(), tenant_scope(agency.tenant_id):
        jobs.hand_over_sendings(agency.tenant_id, [sending_id for _, sending_id in claimed])
        db.session.commit()
    drain(app)
    operator = memory[Channel.LRE]
    assert _state(app, agency, good) == SendingState.HANDED_OVER
    assert _state(app, agency, other) == SendingState.HANDED_OVER
    assert _state(app, agency, faulty) == SendingState.DUE  # retried alone, never sent
    assert len(operator.handovers) == 2 and sorted(operator.received.values()) == [1, 1]
