"""The outbox and the workers: sent only after commit, run once, retried, in the tenant's scope."""

from __future__ import annotations

import pytest
from jobkit import ATTEMPTS, Note, census_all, count, events, flaky, record
from sqlalchemy import select

from portal.core.jobs import Job, drain, enqueue
from portal.core.tenants import TenantScopeError, tenant_scope
from portal.extensions import db


def _job(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge_all()
        return row


def test_a_job_enqueued_by_a_committed_request_runs_once(jobs_app, client_on, tenant_ids, sent):
    response = client_on("resilimo").get("/_jobkit/enqueue?name=committed")
    assert response.status_code == 200
    drain(jobs_app)

    job_id = int(response.get_data(as_text=True))
    assert [name for name, _, _ in sent] == ["extra.record"]
    assert sent[0][1] == (job_id, 0)  # the message carries the outbox row id and its attempt
    with jobs_app.app_context():
        assert count("committed:request") == 1
        assert [e.tenant_id for e in events("committed")] == [tenant_ids["resilimo"]]
    row = _job(jobs_app, job_id)
    assert row.tenant_id == tenant_ids["resilimo"]
    assert row.dispatched_at is not None and row.completed_at is not None
    assert row.attempts == 1 and row.last_error is None


def test_a_rolled_back_request_sends_nothing(jobs_app, runtime, client_on, sent, backend):
    response = client_on("resilimo").get("/_jobkit/enqueue?name=rolledback&fail=1")
    assert response.status_code == 500
    drain(jobs_app)

    assert sent == []
    if backend["redis"]:
        assert runtime.broker.do_qsize("default") == 0
    with jobs_app.app_context():
        assert count("rolledback") == 0 and count("rolledback:request") == 0
        assert db.session.scalars(select(Job)).all() == []


def test_a_rolled_back_savepoint_drops_only_its_jobs(jobs_app, tenant_ids, sent):
    with jobs_app.app_context(), tenant_scope(tenant_ids["msr"]):
        enqueue(record, "outer")
        savepoint = db.session.begin_nested()
        enqueue(record, "inner")
        savepoint.rollback()
        db.session.commit()
        db.session.remove()
    drain(jobs_app)
    with jobs_app.app_context():
        assert count("outer") == 1 and count("inner") == 0
    assert len(sent) == 1


def test_delivering_a_message_twice_runs_its_effect_once(jobs_app, runtime, tenant_ids):
    with jobs_app.app_context(), tenant_scope(tenant_ids["horizon"]):
        # Both deliveries arrive before either has run; the job is slow, so they overlap.
        row = enqueue("extra.slow_record", "twice")
        db.session.flush()
        job_id = row.id
        db.session.commit()
        runtime.send("extra.slow_record", job_id, 0)
        db.session.remove()
    drain(jobs_app)
    runtime.send("extra.slow_record", job_id, 0)  # and a late redelivery
    drain(jobs_app)

    with jobs_app.app_context():
        assert count("twice") == 1
    assert _job(jobs_app, job_id).attempts == 1


def test_a_failing_job_is_retried_and_its_effect_happens_once(jobs_app, tenant_ids):
    with jobs_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        row = enqueue(flaky, "flaky", 2)
        db.session.commit()
        job_id = row.id
        db.session.remove()
    drain(jobs_app)

    assert ATTEMPTS["flaky"] == 3
    with jobs_app.app_context():
        assert count("flaky") == 1  # the two failed attempts' writes were rolled back
    row = _job(jobs_app, job_id)
    assert row.completed_at is not None
    assert row.attempts == 3 and row.last_error is None


def test_a_job_that_keeps_failing_records_its_error(jobs_app, tenant_ids):
    with jobs_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        row = enqueue(flaky, "hopeless", 99)  # max_retries=5: six attempts, then dead-lettered
        db.session.commit()
        job_id = row.id
        db.session.remove()
    drain(jobs_app)

    row = _job(jobs_app, job_id)
    assert row.completed_at is None
    assert row.attempts == 6
    assert row.last_error == "RuntimeError: transient failure 6"
    with jobs_app.app_context():
        assert count("hopeless") == 0


def test_jobs_run_in_their_tenant_scope(jobs_app, client_on, tenant_ids):
    with jobs_app.app_context():
        for slug, labels in {"resilimo": ["r1", "r2"], "horizon": ["h1"]}.items():
            with tenant_scope(tenant_ids[slug]):
                db.session.add_all(Note(label=label) for label in labels)
                db.session.commit()
        db.session.remove()

    for slug in ("resilimo", "horizon", "msr"):
        response = client_on(slug).get(f"/_jobkit/enqueue?job=census&name=census-{slug}")
        assert response.status_code == 200
    with jobs_app.app_context(), tenant_scope(tenant_ids["msr"]):
        enqueue(census_all, "census-global")  # a global job crosses tenants, on purpose
        db.session.commit()
        db.session.remove()
    drain(jobs_app)

    with jobs_app.app_context():
        seen = {
            e.name: (e.tenant_id, e.detail)
            for slug in ("resilimo", "horizon", "msr", "global")
            for e in events(f"census-{slug}")
        }
    assert seen == {
        "census-resilimo": (tenant_ids["resilimo"], "r1,r2"),
        "census-horizon": (tenant_ids["horizon"], "h1"),
        "census-msr": (tenant_ids["msr"], ""),
        "census-global": (None, "h1,r1,r2"),
    }


def test_a_tenant_job_needs_a_tenant_and_json_arguments(jobs_app, tenant_ids):
    with jobs_app.app_context():
        with pytest.raises(TenantScopeError):
            enqueue(record, "nobody")
        with tenant_scope(tenant_ids["msr"]), pytest.raises(TypeError, match="JSON"):
            enqueue(record, "bad", object())
        with pytest.raises(LookupError):
            enqueue(lambda tenant_id: None)
        db.session.rollback()
        db.session.remove()


def test_broker_matches_the_backend(runtime, backend):
    kind = "RedisBroker" if backend["redis"] else "StubBroker"
    assert type(runtime.broker).__name__ == kind
    if backend["redis"]:
        assert runtime.broker.namespace.startswith("portal-test-")
