"""The scheduler: each tick sweeps the outbox and claims the periods of periodic jobs.

A period is claimed by inserting ``(job name, period start)`` into ``periodic_run`` (unique); the
process whose insert succeeds enqueues the job through the outbox in the same transaction, so each
period runs once however many scheduler processes tick. Only the latest period ≤ now is claimed:
after downtime a missed period runs once, late; older ones are not replayed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import select

from portal.core.clock import now as clock_now
from portal.core.database import insert_ignoring_duplicates
from portal.core.jobs.models import PeriodicRun
from portal.core.jobs.outbox import add_job, sweep
from portal.core.jobs.runtime import JobsRuntime, get_runtime, wait_for_shutdown_signal
from portal.extensions import db

log = logging.getLogger(__name__)

CRON_TIMEZONE = "Europe/Paris"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Growing look-back windows: the first one holding a fire time bounds the walk forward.
_WINDOWS = [
    timedelta(minutes=2),
    timedelta(hours=2),
    timedelta(days=2),
    timedelta(days=33),
    timedelta(days=367),
    timedelta(days=4 * 366 + 1),
]


@dataclass
class PeriodicEntry:
    """A registered periodic job: the actor to enqueue and when its periods start."""

    name: str
    cron: str | None = None
    every: timedelta | None = None
    trigger: CronTrigger | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.cron is not None:
            self.trigger = cron_trigger(self.cron)
        elif self.every is None or self.every <= timedelta(0):
            raise ValueError(f"periodic job {self.name}: every= must be a positive timedelta")

    def latest_start(self, now: datetime) -> datetime | None:
        """The start (UTC) of the latest period that began at or before ``now``."""
        if self.every is not None:
            return EPOCH + ((now - EPOCH) // self.every) * self.every
        for window in _WINDOWS:
            fire = self.trigger.get_next_fire_time(None, now - window)
            if fire is None or fire > now:
                continue
            while True:  # cron has one-second resolution
                following = self.trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
                if following is None or following > now:
                    return fire.astimezone(UTC)
                fire = following
        return None


_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def cron_trigger(expression: str) -> CronTrigger:
    """A trigger for a standard 5-field crontab line, in Paris time.

    APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (7 too): numeric
    weekdays are rewritten as names so ``0 3 * * 0`` means Sunday, as everywhere else. (When both
    day-of-month and day-of-week are restricted, both must match, unlike Vixie cron.)
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expression!r}: expected 5 fields")
    minute, hour, day, month, day_of_week = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=",".join(_weekday_names(item, expression) for item in day_of_week.split(",")),
        timezone=CRON_TIMEZONE,
    )


def _weekday_names(item: str, expression: str) -> str:
    span, _, step = item.partition("/")
    if span == "*" and not step:
        return "*"
    if span == "*":
        first, last = 0, 6
    elif span.replace("-", "").isdigit():
        first, _, last = span.partition("-")
        first = int(first)
        last = int(last) if last else (6 if step else first)
    else:
        return item  # names (mon-fri): same meaning in both conventions
    if not 0 <= first <= last <= 7:
        raise ValueError(f"cron {expression!r}: bad day of week {item!r}")
    days = range(first, last + 1, int(step) if step else 1)
    return ",".join(dict.fromkeys(_DAY_NAMES[d] for d in days))


@dataclass
class TickResult:
    """What a tick did: outbox rows it sent, periodic jobs whose period it claimed."""

    swept: int = 0
    enqueued: list[str] = field(default_factory=list)


def scheduler_tick(app: Flask, now: datetime | None = None) -> TickResult:
    """One scheduler tick: sweep the outbox, then claim and enqueue due periodic jobs.

    ``now`` (timezone-aware, default: the current time) lets tests fix the clock.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("scheduler_tick needs a timezone-aware now")
    now = (now or clock_now()).astimezone(UTC)
    runtime = get_runtime(app)
    result = TickResult()
    with runtime.app.app_context():  # its own session, whatever context the caller is in
        try:
            try:
                result.swept = sweep(runtime, now)
            except Exception:
                db.session.rollback()
                log.exception("outbox sweep failed")
            for entry in runtime.periodic:
                try:
                    if _claim(runtime, entry, now):
                        result.enqueued.append(entry.name)
                except Exception:
                    db.session.rollback()
                    log.exception("periodic job %s: claim failed", entry.name)
        finally:
            db.session.remove()
    return result


def _claim(runtime: JobsRuntime, entry: PeriodicEntry, now: datetime) -> bool:
    start = entry.latest_start(now)
    if start is None:
        return False
    session = db.session
    claimed = select(PeriodicRun.id).where(
        PeriodicRun.job_name == entry.name, PeriodicRun.period_start == start
    )
    if session.scalar(claimed) is not None:  # the common case: no write, no lock
        session.rollback()
        return False
    row = add_job(entry.name, (), not_before=None, global_run=True)
    session.flush()
    values = {"job_name": entry.name, "period_start": start, "job_id": row.id, "created_at": now}
    statement = insert_ignoring_duplicates(PeriodicRun).values(**values).returning(PeriodicRun.id)
    if session.execute(statement).scalar() is None:  # another scheduler claimed it meanwhile
        session.rollback()  # drops our outbox row too
        return False
    session.commit()  # the claim and the outbox row together; the job is sent after commit
    return True


def run_scheduler(app: Flask) -> None:
    """``portal scheduler``: tick every ``PORTAL_SCHEDULER_TICK_SECONDS`` until SIGTERM/SIGINT.

    Safe to run in several processes. Without Redis, the jobs it sends run in this process.
    """
    runtime = get_runtime(app)
    app = runtime.app  # not a proxy: ticks push their own app context
    if runtime.in_memory:
        log.warning("no PORTAL_REDIS_URL: jobs sent by this scheduler run in this process")
    wait_for_shutdown_signal(
        runtime.stopping, tick=runtime.settings.tick_seconds, on_tick=lambda: _safe_tick(app)
    )
    runtime.stop()


def _safe_tick(app: Flask) -> None:
    try:
        scheduler_tick(app)
    except Exception:  # e.g. the database is unreachable: try again next tick
        log.exception("scheduler tick failed")


def start_scheduler_thread(app: Flask) -> threading.Thread:
    """Tick in a daemon thread of this process (``portal run``); stopped by ``runtime.stop()``."""
    runtime = get_runtime(app)
    app = runtime.app  # the thread outlives the caller's context: never keep a proxy

    def loop() -> None:
        while not runtime.stopping.is_set():
            _safe_tick(app)
            runtime.stopping.wait(runtime.settings.tick_seconds)

    thread = threading.Thread(target=loop, name="portal-scheduler", daemon=True)
    runtime.scheduler_thread = thread
    thread.start()
    return thread
