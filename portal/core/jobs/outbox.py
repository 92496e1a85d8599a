"""The transactional outbox: jobs are rows written with the caller's work, sent after commit.

``enqueue`` adds a ``Job`` row to the current session and remembers it in ``session.info``. Only
when that transaction commits are the messages sent (``after_commit``); a rollback forgets them,
so a failed request sends nothing. A send lost to a crash or to an unresponsive broker is
repaired by :func:`sweep`, which the scheduler runs every tick; it also sends rows scheduled with
:func:`schedule_at` and failed attempts' retries once they are due, and rows whose worker died
(their lease lapsed).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from portal.core.clock import now as clock_now
from portal.core.jobs.models import Job, PeriodicRun
from portal.core.jobs.runtime import JobsRuntime, failed_attempt, get_runtime, job
from portal.core.tenants.scoping import TenantScopeError, active_tenant_id
from portal.extensions import db

log = logging.getLogger(__name__)

PENDING_KEY = "portal.jobs.pending"
SWEEP_BATCH = 500


@dataclass(frozen=True)
class _Pending:
    row: Job
    runtime: JobsRuntime
    actor_name: str


def enqueue(fn: Callable | str, *args) -> Job:
    """Record a job in the current transaction; it is sent to the workers once that commits.

    The job runs for the active tenant (the request's, or the job's that enqueues it); a global
    job runs with ``tenant_id=None``. Returns the (pending) ``Job`` row.
    """
    return add_job(fn, args, not_before=None)


def schedule_at(when: datetime, fn: Callable | str, *args) -> Job:
    """Record a job due at ``when`` (timezone-aware). It waits in the database and the scheduler
    sends it once due, however far away: broker delays are never used for dates."""
    if when.tzinfo is None:
        raise ValueError("schedule_at needs a timezone-aware datetime")
    return add_job(fn, args, not_before=when.astimezone(UTC))


def add_job(
    fn: Callable | str, args: tuple, not_before: datetime | None, global_run: bool = False
) -> Job:
    """Add an outbox row to the current session (``global_run``: the scheduler's periodic runs)."""
    runtime = get_runtime()
    definition = runtime.definition_for(fn)
    global_run = global_run or definition.global_job
    tenant_id = None if global_run else active_tenant_id()
    if tenant_id is None and not global_run:
        raise TenantScopeError(
            f"job {definition.name} runs for a tenant: enqueue it inside a tenant scope, "
            "or declare it @job(global_job=True)"
        )
    try:
        json.dumps(args)
    except TypeError as exc:
        raise TypeError(f"job {definition.name}: arguments must be JSON values ({exc})") from None
    now = clock_now()
    row = Job(
        actor_name=definition.name,
        queue=definition.spec.queue,
        args=list(args),
        tenant_id=tenant_id,
        not_before=not_before,
        created_at=now,
        attempts=0,
    )
    session = db.session()
    session.add(row)
    if not_before is None or not_before <= now:
        session.info.setdefault(PENDING_KEY, []).append(_Pending(row, runtime, definition.name))
    return row


# --- After commit --------------------------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a released SAVEPOINT: the outer one may still roll back
        return
    pending: list[_Pending] = session.info.pop(PENDING_KEY, None) or []
    by_runtime: dict[int, tuple[JobsRuntime, list[tuple[int, str]]]] = {}
    for item in pending:
        state = inspect(item.row)
        if state.identity is None or state.session_id != session.hash_key:
            continue  # expunged or never flushed: nothing was committed for it
        entry = by_runtime.setdefault(id(item.runtime), (item.runtime, []))
        entry[1].append((state.identity[0], item.actor_name))
    for runtime, items in by_runtime.values():
        dispatch(runtime, items)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    # A rollback expunges the rows it undid; keep only rows still in the session (a SAVEPOINT
    # rollback leaves the outer transaction's jobs pending).
    pending = session.info.get(PENDING_KEY)
    if pending:
        pending[:] = [p for p in pending if inspect(p.row).session_id == session.hash_key]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction) -> None:
    # Whatever ended the outermost transaction (commit: already sent; rollback; close), nothing
    # it recorded may be sent by a later one.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def dispatch(runtime: JobsRuntime, items: list[tuple[int, str]]) -> list[int]:
    """Send newly committed rows ``(job id, actor name)``, then record them as dispatched.

    Never raises, and gives up at the first failed send: an unresponsive broker holds the
    request for one socket timeout at most. What was not sent or recorded is left to the sweep
    (a job may then be sent twice, which execution tolerates).
    """
    sent = []
    for job_id, actor_name in items:
        try:
            runtime.send(actor_name, job_id, 0)
        except Exception:
            log.exception("job %s (%s): send failed, the sweep will send it", job_id, actor_name)
            break
        sent.append(job_id)
    if sent:
        if runtime.in_memory:
            _mark_dispatched_logged(sent)
        else:
            marks_of(runtime).add(sent)
    return sent


def _mark_dispatched_logged(ids: list[int]) -> None:
    try:
        _mark_dispatched(ids)
    except Exception:
        log.exception("jobs %s: sent but not marked dispatched", ids)


MARK_INTERVAL = 0.2  # seconds a sent row may wait to be recorded as dispatched


class DispatchMarks:
    """Rows sent to Redis, recorded as dispatched together by one thread of the process every
    :data:`MARK_INTERVAL`: one short transaction for every job a worker sent meanwhile, not one
    per job (a worker's jobs queue others: this was a third of a hand-over's transactions).

    Nothing depends on the mark but the sweep, which would send an unmarked row again after its
    grace period: a mark lost with the process costs at most a duplicate message, which
    execution refuses (as when a mark fails today). The thread stops when idle and
    ``JobsRuntime.stop`` records what is left."""

    def __init__(self, runtime: JobsRuntime):
        self.runtime = runtime
        self._ids: list[int] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, ids: list[int]) -> None:
        with self._lock:
            self._ids.extend(ids)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="portal-dispatch-marks", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(MARK_INTERVAL)
            with self._lock:
                if not self._ids:
                    self._thread = None
                    return
            self.flush()

    def flush(self) -> None:
        """Record every pending mark now."""
        with self._lock:
            ids, self._ids = self._ids, []
        for start in range(0, len(ids), 1000):
            with self.runtime.app.app_context():
                _mark_dispatched_logged(ids[start : start + 1000])


def marks_of(runtime: JobsRuntime) -> DispatchMarks:
    """The runtime's batched dispatch marks (made once)."""
    with runtime._lock:
        if runtime.dispatch_marks is None:
            runtime.dispatch_marks = DispatchMarks(runtime)
        return runtime.dispatch_marks


def _mark_dispatched(ids: list[int]) -> None:
    # A fresh short transaction on its own connection: the caller's is over. Rows a worker has
    # already locked are skipped rather than waited for (the worker sets dispatched_at itself);
    # a row whose first attempt already failed waits for its retry date, unmarked.
    lockable = (
        select(Job.id)
        .where(Job.id.in_(ids), Job.dispatched_at.is_(None), Job.attempts == 0)
        .with_for_update(skip_locked=True)
    )
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(lockable)).values(dispatched_at=clock_now()))


# --- Sweep ---------------------------------------------------------------------------------------


def sweep(runtime: JobsRuntime, now: datetime) -> int:
    """Send rows that are due but were never sent; returns how many were sent.

    Due: unsent rows older than the grace period (their after-commit send was lost), unsent rows
    whose ``not_before`` has come (dates and retries, a dead worker's lost attempt included:
    see :func:`_count_lost_attempts`), and rows sent long ago that never started (lost with the
    broker). Each message names the row's attempt, so the sweep never starts a second chain of
    retries. Claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so concurrent schedulers
    share the work; SQLite ignores the clause and serialises writers instead. Runs in the
    caller's app context and commits.
    """
    settings = runtime.settings
    grace = now - timedelta(seconds=settings.sweep_grace_seconds)
    lost = now - timedelta(seconds=settings.redispatch_seconds)
    _count_lost_attempts(runtime, now)
    due = and_(
        Job.completed_at.is_(None),
        Job.failed_at.is_(None),
        or_(
            and_(Job.dispatched_at.is_(None), Job.not_before.is_(None), Job.created_at <= grace),
            and_(Job.dispatched_at.is_(None), Job.not_before <= now),
            and_(Job.dispatched_at <= lost, Job.lease_until.is_(None)),
        ),
    )
    session = db.session
    rows = session.execute(
        select(Job.id, Job.actor_name, Job.attempts)
        .where(due)
        .order_by(Job.id)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    known = []
    for job_id, actor_name, attempt in rows:
        if actor_name in runtime.definitions:
            known.append((job_id, actor_name, attempt))
        else:
            log.warning("job %s: no actor %r in this app (plugin removed?)", job_id, actor_name)
    # Marked before sending, in the transaction that holds the rows: a worker's claim waits for
    # it, so its outcome (a retry date) is never overwritten by this mark.
    session.execute(
        update(Job)
        .where(Job.id.in_([job_id for job_id, _, _ in known]))
        .values(dispatched_at=now)
        .execution_options(synchronize_session=False)
    )
    for count, (job_id, actor_name, attempt) in enumerate(known):
        try:
            runtime.send(actor_name, job_id, attempt)
        except Exception:
            log.exception("job %s: send failed during sweep", job_id)
            session.rollback()  # the broker is likely down: all again next tick
            return count
    session.commit()
    return len(known)


def _count_lost_attempts(runtime: JobsRuntime, now: datetime) -> None:
    """A lapsed lease is an attempt lost with its worker: counted as a failure (so a job that
    kills its worker is not retried forever) and due again at once. The worker, should it
    still be alive, can no longer complete it: its attempt number has moved on."""
    session = db.session
    lapsed = session.execute(
        select(Job.id, Job.actor_name, Job.attempts)
        .where(Job.completed_at.is_(None), Job.failed_at.is_(None), Job.lease_until < now)
        .with_for_update(skip_locked=True)
    ).all()
    for job_id, actor_name, attempt in lapsed:
        values = failed_attempt(runtime, actor_name, attempt, "WorkerLost: lease lapsed", now)
        if "not_before" in values:
            values["not_before"] = now
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts == attempt, Job.lease_until < now)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


# --- Core housekeeping job -----------------------------------------------------------------------


@job(global_job=True)
def purge_job_history(tenant_id: int | None) -> None:
    """Delete completed outbox rows and old periodic claims after ``PORTAL_JOBS_KEEP_DAYS``."""
    cutoff = clock_now() - timedelta(days=get_runtime().settings.keep_days)
    db.session.execute(delete(Job).where(Job.completed_at < cutoff))
    # Each job's newest claim stays: it is what stops its current period from running again.
    newest = select(func.max(PeriodicRun.id)).group_by(PeriodicRun.job_name)
    db.session.execute(
        delete(PeriodicRun).where(PeriodicRun.created_at < cutoff, PeriodicRun.id.not_in(newest))
    )
