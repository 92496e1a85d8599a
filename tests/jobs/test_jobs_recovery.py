"""Jobs recovered from the database: retry dates in the row, one retry chain per job, dead
workers' leases, and a broker that accepts connections but never answers."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from jobkit import ATTEMPTS, count, flaky, record
from sqlalchemy import select, update

from portal import create_app
from portal.core.clock import now as utcnow
from portal.core.jobs import (
    Job,
    drain,
    enqueue,
    get_runtime,
    schedule_at,
    scheduler_tick,
    shutdown,
    sweep,
)
from portal.core.ratelimit import limiter
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token, tenant_client


def _row(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge_all()
        return row


def _enqueue(app, tenant_id, fn, *args) -> int:
    with app.app_context(), tenant_scope(tenant_id):
        row = enqueue(fn, *args)
        db.session.commit()
        job_id = row.id
        db.session.remove()
    return job_id


def _set(app, job_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()
        db.session.remove()


def _an_hour_between_attempts(runtime):
    return replace(runtime.settings, min_backoff_ms=3_600_000, max_backoff_ms=3_600_000)


def test_a_failed_attempt_waits_for_its_retry_in_the_row_not_in_the_broker(
    jobs_app, runtime, tenant_ids, sent, monkeypatch
):
    monkeypatch.setattr(runtime, "settings", _an_hour_between_attempts(runtime))
    job_id = _enqueue(jobs_app, tenant_ids["resilimo"], flaky, "later", 1)
    time.sleep(0.3)  # the first attempt fails; its retry is half an hour to an hour away

    row = _row(jobs_app, job_id)
    assert row.attempts == 1 and row.last_error == "RuntimeError: transient failure 1"
    assert row.dispatched_at is None and row.lease_until is None
    with jobs_app.app_context():
        later = select(Job.id).where(Job.not_before > utcnow() + timedelta(minutes=29))
        assert db.session.scalar(later) == job_id
    assert [args for name, args, _ in sent if name == "extra.flaky"] == [(job_id, 0)]
    assert all(delay is None for _, _, delay in sent)  # nothing waits in the broker

    # The scheduler sends it once due: the second attempt succeeds.
    assert scheduler_tick(jobs_app, now=utcnow() + timedelta(hours=2)).swept >= 1
    drain(jobs_app)
    row = _row(jobs_app, job_id)
    assert row.completed_at is not None and row.attempts == 2
    with jobs_app.app_context():
        assert count("later") == 1


def test_a_stale_message_of_an_earlier_attempt_starts_no_second_chain(
    jobs_app, runtime, tenant_ids, monkeypatch
):
    monkeypatch.setattr(runtime, "settings", _an_hour_between_attempts(runtime))
    job_id = _enqueue(jobs_app, tenant_ids["horizon"], flaky, "stale", 5)
    time.sleep(0.3)
    assert _row(jobs_app, job_id).attempts == 1

    runtime.send("extra.flaky", job_id, 0)  # a redelivery of the failed attempt
    drain(jobs_app)
    assert ATTEMPTS["stale"] == 1  # refused: the row waits for its retry date
    assert _row(jobs_app, job_id).attempts == 1


def test_a_dead_workers_job_is_sent_again_once_its_lease_lapses(jobs_app, runtime, tenant_ids):
    with jobs_app.app_context(), tenant_scope(tenant_ids["msr"]):
        row = schedule_at(utcnow() + timedelta(days=1), record, "orphan")
        db.session.commit()
        job_id = row.id
        db.session.remove()
    # As a worker killed mid-run leaves it: sent, claimed, leased, never completed.
    sent_at = utcnow() - timedelta(minutes=1)
    lease = utcnow() + timedelta(seconds=runtime.settings.lease_seconds)
    _set(jobs_app, job_id, not_before=None, dispatched_at=sent_at, started_at=sent_at)
    _set(jobs_app, job_id, lease_until=lease)
    now = utcnow()

    assert scheduler_tick(jobs_app, now=now).swept == 0  # the lease still holds
    runtime.send("extra.record", job_id, 0)  # and a delivery meanwhile is refused
    drain(jobs_app)
    assert _row(jobs_app, job_id).completed_at is None

    # Once it lapses (however late dramatiq's own heartbeat would notice), one tick sends it.
    _set(jobs_app, job_id, lease_until=utcnow() - timedelta(seconds=1))
    assert scheduler_tick(jobs_app).swept == 1
    assert scheduler_tick(jobs_app).swept == 0  # sent once, not every tick
    drain(jobs_app)
    row = _row(jobs_app, job_id)
    # The lost attempt counts (a job that kills its worker is not retried forever).
    assert row.completed_at is not None and row.attempts == 2 and row.lease_until is None
    with jobs_app.app_context():
        assert count("orphan") == 1


@pytest.fixture
def silent_redis():
    """A TCP server that accepts connections and never answers: a Redis that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_redis_that_never_answers_holds_a_commit_for_one_timeout_at_most(
    app, app_config, tenant_ids, silent_redis
):
    hung_app = create_app(
        {
            **app_config,
            "PORTAL_REDIS_URL": silent_redis,
            "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
            "PORTAL_EXTRA_JOBS": [record],
            "PORTAL_REDIS_TIMEOUT_SECONDS": 0.5,
        }
    )
    try:
        # A login counts its attempt in Redis: it does not hang either.
        client = tenant_client(hung_app, "resilimo")
        page = client.get("/connexion").get_data(as_text=True)
        started = time.monotonic()
        response = client.post(
            "/connexion",
            data={"csrf_token": csrf_token(page), "email": "a@b.test", "password": "wrong"},
        )
        assert time.monotonic() - started < 2.5
        assert response.status_code == 200

        with hung_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
            rows = [enqueue(record, f"hung-{n}") for n in range(3)]
            started = time.monotonic()
            db.session.commit()  # the after-commit send gives up at its first timeout
            elapsed = time.monotonic() - started
            ids = [row.id for row in rows]
            db.session.remove()
        assert elapsed < 2.5
        assert all(_row(hung_app, job_id).dispatched_at is None for job_id in ids)

        with hung_app.app_context():  # the sweep meets the same broker: bounded too
            started = time.monotonic()
            assert sweep(get_runtime(hung_app), utcnow() + timedelta(minutes=5)) == 0
            assert time.monotonic() - started < 2.5
            db.session.remove()
        assert all(_row(hung_app, job_id).dispatched_at is None for job_id in ids)
    finally:
        limiter.init_app(app)  # one limiter for every app: back on the session app's storage
        shutdown(hung_app)
        with hung_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_attempt_given_up_while_it_runs_has_its_effect_once(jobs_app, runtime, tenant_ids):
    job_id = _enqueue(jobs_app, tenant_ids["horizon"], "extra.slow_record", "overtaken")
    time.sleep(0.1)  # it runs (0.3 s); a scheduler whose clock is past its lease gives it up
    scheduler_tick(jobs_app, now=utcnow() + timedelta(seconds=runtime.settings.lease_seconds + 1))
    drain(jobs_app)

    row = _row(jobs_app, job_id)
    assert row.completed_at is not None and row.lease_until is None
    with jobs_app.app_context():
        assert count("overtaken") == 1  # either it finished first, or its work was undone
