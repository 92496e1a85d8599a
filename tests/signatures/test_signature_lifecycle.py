"""A procedure's life after it starts: its outcome reaches the asking plugin's hook exactly once
(whatever duplicate or retried deliveries), the periodic job expires overdue procedures, and
signers are reminded before the deadline once per reminder."""

from __future__ import annotations

import pytest
from lifecyclekit import (
    SIGNER_EMAIL,
    emails,
    events_of,
    make_agency,
    outcomes_fixture,  # noqa: F401 - the ``outcomes`` fixture
    procedure_of,
    run_periodic,
    start_procedure,
    time_passes,
)
from sqlalchemy import select

from portal.core.jobs import drain, enqueue
from portal.core.signatures import jobs, operations
from portal.core.signatures.models import ProcedureOutcome, ProcedureState, SignerState
from portal.core.tenants import tenant_scope
from portal.extensions import db

AGENT = "agence.lifecycle@example.fr"


def _outcome(reference: str) -> ProcedureOutcome:
    return db.session.scalar(
        select(ProcedureOutcome).where(ProcedureOutcome.procedure_id == procedure_of(reference).id)
    )


def _decline(reference):
    signer = procedure_of(reference).signers[0]
    operations.decline(signer, "Je ne résilie plus", ip="203.0.113.9", user_agent="test")


# --- outcomes, once ----------------------------------------------------------------------------


def test_an_outcome_reaches_the_plugin_once_however_often_it_is_delivered(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        _decline(reference)
        db.session.commit()
    drain(app)  # the delivery the engine queued
    with app.app_context(), tenant_scope(agency.tenant_id):
        outcome = _outcome(reference)
        assert outcome.outcome == "declined" and outcome.delivered_at is not None
        # At-least-once delivery: the same job again, directly and through the workers.
        jobs.deliver_outcome(agency.tenant_id, outcome.id)
        jobs.deliver_outcome(agency.tenant_id, outcome.id)
        enqueue(jobs.deliver_outcome, outcome.id)
        enqueue(jobs.deliver_outcome, outcome.id)
        db.session.commit()
    drain(app)
    assert outcomes.calls == [(reference, "declined")]
    # The agent is told once too, and the price refunded once.
    assert len(emails(app, agency.tenant_id, AGENT)) == 1
    with app.app_context(), tenant_scope(agency.tenant_id):
        from portal.core.credits.ledger import balance_cents

        assert balance_cents(agency.id) == 5000


def test_a_failing_plugin_gets_the_outcome_again_until_it_takes_it(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    outcomes.fail_next = 1
    with app.app_context(), tenant_scope(agency.tenant_id):
        _decline(reference)
        db.session.flush()
        outcome_id = _outcome(reference).id
        # The attempt fails: its work, the "delivered" mark included, is undone with it.
        with pytest.raises(RuntimeError), db.session.begin_nested():
            jobs.deliver_outcome(agency.tenant_id, outcome_id)
        db.session.expire_all()  # as the worker's rollback does
        assert _outcome(reference).delivered_at is None
        jobs.deliver_outcome(agency.tenant_id, outcome_id)  # the retry
        db.session.commit()
    drain(app)  # the engine's own delivery finds it done
    assert outcomes.calls == [(reference, "declined")]
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert _outcome(reference).delivered_at is not None


def test_other_owners_procedures_are_not_the_plugin_business(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        procedure.owner = "someone_else"
        operations.cancel_procedure(procedure, reason="test")
        db.session.commit()
    drain(app)
    assert outcomes.calls == []


# --- expiry ------------------------------------------------------------------------------------


def test_the_periodic_job_expires_an_overdue_procedure_and_delivers_it_once(app, outcomes):
    agency = make_agency(app)
    overdue = start_procedure(app, agency)
    on_time = start_procedure(app, agency, title="Mandat — contrat HAB-9")
    time_passes(app, agency.tenant_id, overdue, hours=72.1)  # 72 hours to sign
    run_periodic(app, jobs.expire_overdue)
    run_periodic(app, jobs.expire_overdue)  # five minutes later: nothing more
    assert outcomes.calls == [(overdue, "expired")]
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(overdue).state == ProcedureState.EXPIRED
        assert procedure_of(on_time).state == ProcedureState.ONGOING
        outcome = _outcome(overdue)
        assert outcome.outcome == "expired" and outcome.delivered_at is not None
    assert events_of(app, agency.tenant_id, overdue).count("expired") == 1
    [notice] = emails(app, agency.tenant_id, AGENT)
    assert notice.subject.startswith("Signature non aboutie, délai dépassé")
    assert "Camille Durand" in notice.body_text  # who did not sign


def test_a_procedure_run_by_an_outside_provider_is_left_to_it(app, outcomes):
    """Yousign expires and reminds its own requests (and says so by webhook)."""
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure_of(reference).provider = "yousign"
        db.session.commit()
    time_passes(app, agency.tenant_id, reference, hours=71)
    run_periodic(app, jobs.send_reminders)
    assert _reminders(app, agency) == []
    time_passes(app, agency.tenant_id, reference, hours=2)
    run_periodic(app, jobs.expire_overdue)
    assert outcomes.calls == []
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).state == ProcedureState.ONGOING


def test_expiry_reaches_every_tenant(app, outcomes):
    resilimo = make_agency(app)
    horizon = make_agency(app, slug="horizon", email="courtier.lifecycle@example.fr")
    references = [start_procedure(app, resilimo), start_procedure(app, horizon)]
    time_passes(app, resilimo.tenant_id, references[0], hours=73)
    time_passes(app, horizon.tenant_id, references[1], hours=73)
    run_periodic(app, jobs.expire_overdue)
    assert sorted(outcomes.calls) == sorted((ref, "expired") for ref in references)


# --- reminders ---------------------------------------------------------------------------------


def _reminders(app, agency):
    return [m for m in emails(app, agency.tenant_id, SIGNER_EMAIL) if "Rappel" in m.subject]


def test_signers_are_reminded_once_per_reminder_before_the_deadline(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency, hours=72)
    run_periodic(app, jobs.send_reminders)  # 72 hours before: nothing yet
    assert _reminders(app, agency) == []
    time_passes(app, agency.tenant_id, reference, hours=32)
    run_periodic(app, jobs.send_reminders)  # 40 hours before: the 48-hour reminder
    run_periodic(app, jobs.send_reminders)  # the next run: nothing new
    [first] = _reminders(app, agency)
    assert first.subject.startswith("Rappel : signature électronique")
    assert "/signature/" in first.body_text
    time_passes(app, agency.tenant_id, reference, hours=20)
    run_periodic(app, jobs.send_reminders)  # 20 hours before: the 24-hour reminder
    run_periodic(app, jobs.send_reminders)
    assert len(_reminders(app, agency)) == 2
    with app.app_context(), tenant_scope(agency.tenant_id):
        signer = procedure_of(reference).signers[0]
        assert signer.reminders_sent == ["48h", "24h"]
        # A duplicate job for a reminder already sent sends nothing.
        jobs.send_reminder(agency.tenant_id, signer.id, "24h")
        db.session.commit()
    assert len(_reminders(app, agency)) == 2
    assert events_of(app, agency.tenant_id, reference).count("reminded") == 2


def test_no_reminder_right_after_a_late_invitation(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency, hours=30)  # past the 48-hour reminder's time
    run_periodic(app, jobs.send_reminders)
    assert _reminders(app, agency) == []
    time_passes(app, agency.tenant_id, reference, hours=7)
    run_periodic(app, jobs.send_reminders)
    [reminder] = _reminders(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).signers[0].reminders_sent == ["24h"]


def test_no_reminder_far_from_the_deadline_nor_out_of_turn(app, outcomes):
    agency = make_agency(app)
    start_procedure(app, agency, hours=72)  # far from the deadline
    ordered = start_procedure(
        app,
        agency,
        hours=30,
        ordered=True,
        signers=[
            ("Camille", "Durand", SIGNER_EMAIL, "+33612345678"),
            ("Dominique", "Martin", "dominique.martin@example.org", "+33698765432"),
        ],
    )
    time_passes(app, agency.tenant_id, ordered, hours=20)
    run_periodic(app, jobs.send_reminders)
    # Only the signer whose turn it is, on the close procedure.
    assert len(_reminders(app, agency)) == 1
    assert emails(app, agency.tenant_id, "dominique.martin@example.org") == []
    with app.app_context(), tenant_scope(agency.tenant_id):
        signers = procedure_of(ordered).signers
        assert signers[1].state == SignerState.WAITING
        assert signers[1].reminders_sent == []


def test_the_tenant_chooses_when_signers_are_reminded(app, tenant_ids, monkeypatch, outcomes):
    from dataclasses import replace

    from portal.core.tenants import tenant_directory
    from portal.core.tenants.schema import Signatures

    with app.app_context():
        directory = tenant_directory()
        tenant = directory.by_id(tenant_ids["resilimo"])
        config = tenant.config.model_copy(update={"signatures": Signatures(reminder_hours=[12])})
        monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))
    agency = make_agency(app)
    reference = start_procedure(app, agency, hours=20)
    run_periodic(app, jobs.send_reminders)
    assert _reminders(app, agency) == []  # 20 hours before: not yet
    time_passes(app, agency.tenant_id, reference, hours=9)
    run_periodic(app, jobs.send_reminders)
    assert len(_reminders(app, agency)) == 1
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).signers[0].reminders_sent == ["12h"]
