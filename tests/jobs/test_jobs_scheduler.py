"""The scheduler: the outbox sweep, work due at a date, periodic jobs claimed once per period."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from jobkit import count, record
from sqlalchemy import select

from portal.core.clock import now as utcnow
from portal.core.jobs import (
    Job,
    PeriodicRun,
    drain,
    enqueue,
    schedule_at,
    scheduler_tick,
    shutdown,
    start_embedded,
)
from portal.core.jobs.scheduler import PeriodicEntry
from portal.core.tenants import tenant_scope
from portal.extensions import db


def _row(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge_all()
        return row


def test_a_committed_job_whose_send_was_lost_is_sent_by_the_sweep(
    jobs_app, runtime, tenant_ids, monkeypatch
):
    def crash(actor_name, job_id, attempt):
        raise ConnectionError("the process died between commit and send")

    monkeypatch.setattr(runtime, "send", crash)
    with jobs_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        row = enqueue(record, "lost")
        db.session.commit()  # the send fails after commit: logged, not raised
        job_id = row.id
        db.session.remove()
    monkeypatch.undo()
    drain(jobs_app)
    assert _row(jobs_app, job_id).dispatched_at is None

    now = utcnow()
    scheduler_tick(jobs_app, now=now)  # within the grace period: maybe still being sent
    assert _row(jobs_app, job_id).dispatched_at is None
    grace = timedelta(seconds=runtime.settings.sweep_grace_seconds + 1)
    assert scheduler_tick(jobs_app, now=now + grace).swept >= 1
    drain(jobs_app)

    row = _row(jobs_app, job_id)
    assert row.dispatched_at is not None and row.completed_at is not None
    with jobs_app.app_context():
        assert count("lost") == 1


def test_work_due_at_a_date_waits_in_the_database(jobs_app, tenant_ids, sent):
    due = utcnow() + timedelta(days=30)  # beyond anything a broker delay should hold
    with jobs_app.app_context(), tenant_scope(tenant_ids["horizon"]):
        row = schedule_at(due, record, "due")
        db.session.commit()
        job_id = row.id
        db.session.remove()
    drain(jobs_app)
    assert [s for s in sent if s[0] == "extra.record"] == []

    scheduler_tick(jobs_app, now=due - timedelta(seconds=1))
    drain(jobs_app)
    assert _row(jobs_app, job_id).dispatched_at is None
    with jobs_app.app_context():
        assert count("due") == 0

    assert scheduler_tick(jobs_app, now=due).swept >= 1
    drain(jobs_app)
    assert _row(jobs_app, job_id).completed_at is not None
    with jobs_app.app_context():
        assert count("due") == 1
    assert [s for s in sent if s[0] == "extra.record"] == [("extra.record", (job_id, 0), None)]
    assert all(delay is None for _, _, delay in sent)  # never a broker delay


def test_schedule_at_needs_an_aware_datetime(jobs_app, tenant_ids):
    with jobs_app.app_context(), tenant_scope(tenant_ids["msr"]):
        with pytest.raises(ValueError, match="timezone"):
            schedule_at(datetime(2030, 1, 1), record, "naive")
        db.session.remove()


def _claims(app, name: str) -> list[datetime]:
    with app.app_context():
        rows = db.session.scalars(
            select(PeriodicRun.period_start)
            .where(PeriodicRun.job_name == name)
            .order_by(PeriodicRun.period_start)
        ).all()
        db.session.remove()
    return [r.replace(tzinfo=UTC) if r.tzinfo is None else r.astimezone(UTC) for r in rows]


def test_each_period_of_a_periodic_job_runs_once(jobs_app):
    t = datetime(2030, 1, 10, 10, 15, tzinfo=UTC)
    # Two schedulers tick at the same moment, then again a minute later: one claim.
    results = []
    ticks = [
        threading.Thread(target=lambda: results.append(scheduler_tick(jobs_app, now=t)))
        for _ in range(2)
    ]
    for thread in ticks:
        thread.start()
    for thread in ticks:
        thread.join()
    results.append(scheduler_tick(jobs_app, now=t + timedelta(minutes=1)))
    assert sum("extra.hourly" in r.enqueued for r in results) == 1
    assert sum("extra.nightly" in r.enqueued for r in results) == 1
    drain(jobs_app)
    with jobs_app.app_context():
        assert count("hourly") == 1 and count("nightly") == 1

    # The next hour is a new period for the hourly job only.
    later = scheduler_tick(jobs_app, now=t + timedelta(hours=1))
    assert "extra.hourly" in later.enqueued and "extra.nightly" not in later.enqueued
    drain(jobs_app)
    with jobs_app.app_context():
        assert count("hourly") == 2 and count("nightly") == 1
    assert _claims(jobs_app, "extra.hourly") == [
        datetime(2030, 1, 10, 10, tzinfo=UTC),
        datetime(2030, 1, 10, 11, tzinfo=UTC),
    ]
    # 04:00 in Paris is 03:00 UTC in winter.
    assert _claims(jobs_app, "extra.nightly") == [datetime(2030, 1, 10, 3, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("0 4 * * *", "2030-07-10T01:00", "2030-07-09T02:00"),  # summer: 04:00 Paris = 02:00 UTC
        ("0 4 * * *", "2030-07-10T02:00", "2030-07-10T02:00"),  # a fire time is its own period
        ("*/15 * * * *", "2030-07-10T10:44:59", "2030-07-10T10:30"),
        ("0 6 1 * *", "2030-03-20T00:00", "2030-03-01T05:00"),  # monthly, winter
        ("0 3 * * 0", "2030-03-31T12:00", "2030-03-31T01:00"),  # Sunday; clocks go forward
        ("0 3 * * 7", "2030-03-31T12:00", "2030-03-31T01:00"),  # 7 is Sunday too
        ("30 8 * * 1-5", "2030-03-31T12:00", "2030-03-29T07:30"),  # Friday before
        ("0 12 * * */2", "2030-04-01T13:00", "2030-03-31T10:00"),  # Sun, Tue, Thu, Sat
        ("0 9 * * mon-fri", "2030-04-01T13:00", "2030-04-01T07:00"),
    ],
)
def test_latest_cron_period_in_paris_time(cron, now, expected):
    entry = PeriodicEntry("x", cron=cron)
    start = entry.latest_start(datetime.fromisoformat(now).replace(tzinfo=UTC))
    assert start == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_latest_interval_period_is_floored():
    entry = PeriodicEntry("x", every=timedelta(minutes=10))
    now = datetime(2030, 1, 1, 12, 37, 12, tzinfo=UTC)
    assert entry.latest_start(now) == datetime(2030, 1, 1, 12, 30, tzinfo=UTC)


def test_start_embedded_runs_the_scheduler_in_a_thread(jobs_app, runtime):
    start_embedded(jobs_app)  # its first tick claims the current hour of the hourly job
    try:
        deadline = time.monotonic() + 10
        while not _claims(jobs_app, "extra.hourly") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runtime.scheduler_thread.is_alive()
        # The tick sent every periodic job due: let the worker run them before it stops (a
        # stopped in-process worker drops what it prefetched; the outbox sweep would send it
        # again later, which this test does not wait for).
        drain(jobs_app)
    finally:
        shutdown(jobs_app)
    assert runtime.scheduler_thread is None and runtime.worker is None
    with jobs_app.app_context():
        assert count("hourly") == 1
