"""The dramatiq side: job declarations, one broker per application, its actors and worker.

Each application builds its own broker (Redis when ``PORTAL_REDIS_URL`` is set, else an in-memory
``StubBroker``) and its own actors: dramatiq's import-time global broker is never used, so several
apps (tests) live side by side. A message carries the id of its outbox row and the attempt it
starts; the actor body claims the row with a lease, runs the job function in the row's tenant
scope and records the outcome. Retries are dates in the row (``not_before``) that the scheduler
sends when due, never messages waiting in the broker: a restarted Redis loses none of them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    ShutdownNotifications,
    TimeLimit,
)
from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update

from portal.core.clock import now as clock_now
from portal.core.jobs.handover import attempt_of
from portal.core.jobs.models import Job
from portal.core.tenants.resolver import tenant_directory
from portal.core.tenants.scoping import tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

EXTENSION_KEY = "portal.jobs"
JOB_ATTRIBUTE = "__portal_job__"


# --- Declaring jobs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """What ``@job`` records on a function; the app turns it into an actor at start-up."""

    queue: str
    max_retries: int | None
    global_job: bool


def job(
    fn: Callable | None = None,
    *,
    queue: str = "default",
    max_retries: int | None = None,
    global_job: bool = False,
):
    """Declare a background job ``fn(tenant_id, *args)``; use as ``@job`` or ``@job(...)``.

    ``tenant_id`` is the tenant that was active when the job was enqueued; the job runs in that
    tenant's scope. A ``global_job`` always gets ``tenant_id=None`` and runs ``unscoped()``, as
    does every run the scheduler starts for a periodic job (it fans out per tenant itself).
    Arguments must be JSON values (ids, strings, numbers), never ORM objects. Delivery is at
    least once, so a job must be safe to run twice; the worker commits its database work together
    with its "completed" mark (the job does not commit). ``max_retries`` overrides
    ``PORTAL_JOBS_MAX_RETRIES``. A plain function returned by ``register_jobs`` gets these
    defaults; the function stays directly callable.
    """

    def declare(function: Callable) -> Callable:
        setattr(function, JOB_ATTRIBUTE, JobSpec(queue, max_retries, global_job))
        return function

    if not _QUEUE_NAME.fullmatch(queue):
        raise ValueError(f"invalid queue name {queue!r}")
    return declare(fn) if fn is not None else declare


_QUEUE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9._-]*")  # what dramatiq accepts


def spec_of(fn: Callable) -> JobSpec:
    """The function's ``@job`` options; a plain function gets the defaults."""
    spec = getattr(fn, JOB_ATTRIBUTE, None)
    return spec if isinstance(spec, JobSpec) else DEFAULT_SPEC


DEFAULT_SPEC = JobSpec(queue="default", max_retries=None, global_job=False)


# --- Settings ------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class JobsSettings:
    """Tunables, read from the app config (``PORTAL_*`` keys, defaulted from the environment)."""

    redis_url: str | None
    redis_namespace: str = "portal"
    max_retries: int = 10
    min_backoff_ms: int = 15_000
    max_backoff_ms: int = 3_600_000  # well under Redis' 7-day cap on delayed messages
    time_limit_ms: int = 600_000
    worker_timeout_ms: int = 1_000  # idle poll; also how late a retry may start
    embedded_threads: int = 2
    autostart: bool = True  # in-memory broker: start a worker thread on the first message
    tick_seconds: float = 15.0
    sweep_grace_seconds: float = 60.0
    redispatch_seconds: float = 6 * 3600.0
    keep_days: int = 30
    # A running attempt's lease, renewed by its worker every third of it: a killed worker's job
    # is sent again by the first scheduler tick after it lapses.
    lease_seconds: float = 30.0
    # dramatiq's own Redis heartbeat (a dead worker's unacked messages go back to the queue).
    heartbeat_timeout_ms: int = 30_000
    # Connect and read timeout of every Redis call: a Redis that never answers fails fast (the
    # request's after-commit send gives up, the sweep sends later).
    redis_timeout_seconds: float = 2.0

    KEYS = {
        "redis_url": "PORTAL_REDIS_URL",
        "redis_namespace": "PORTAL_REDIS_NAMESPACE",
        "max_retries": "PORTAL_JOBS_MAX_RETRIES",
        "min_backoff_ms": "PORTAL_JOBS_MIN_BACKOFF_MS",
        "max_backoff_ms": "PORTAL_JOBS_MAX_BACKOFF_MS",
        "time_limit_ms": "PORTAL_JOBS_TIME_LIMIT_MS",
        "worker_timeout_ms": "PORTAL_JOBS_WORKER_TIMEOUT_MS",
        "embedded_threads": "PORTAL_JOBS_EMBEDDED_THREADS",
        "autostart": "PORTAL_JOBS_AUTOSTART",
        "tick_seconds": "PORTAL_SCHEDULER_TICK_SECONDS",
        "sweep_grace_seconds": "PORTAL_JOBS_SWEEP_GRACE_SECONDS",
        "redispatch_seconds": "PORTAL_JOBS_REDISPATCH_SECONDS",
        "keep_days": "PORTAL_JOBS_KEEP_DAYS",
        "lease_seconds": "PORTAL_JOBS_LEASE_SECONDS",
        "heartbeat_timeout_ms": "PORTAL_JOBS_HEARTBEAT_TIMEOUT_MS",
        "redis_timeout_seconds": "PORTAL_REDIS_TIMEOUT_SECONDS",
    }

    @classmethod
    def from_app(cls, app: Flask) -> JobsSettings:
        """Fill missing config keys (environment, then defaults) and read them back."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = cls.KEYS[f.name]
            default = f.default if f.name != "redis_url" else None
            if app.config.get(key) is None:
                env = os.environ.get(key)
                app.config[key] = env if env not in (None, "") else default
            value = app.config[key]
            if value is not None and f.name != "redis_url":
                kind = type(default)
                value = str(value).lower() in _TRUE if kind is bool else kind(value)
            values[f.name] = value
        if app.testing and values["redis_url"]:
            # Test runs build many apps on different databases against one Redis: a message may
            # only ever reach workers of the app (database) that recorded it.
            database = str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).encode()
            values["redis_namespace"] += "-" + hashlib.sha256(database).hexdigest()[:10]
        return cls(**values)


# --- The runtime ---------------------------------------------------------------------------------


@dataclass
class JobDefinition:
    name: str
    fn: Callable
    spec: JobSpec
    actor: dramatiq.Actor
    owner: str  # the plugin (or core module) that declared it
    periodic: bool = False  # the scheduler enqueues it with no tenant

    @property
    def global_job(self) -> bool:
        return self.spec.global_job

    @property
    def may_run_unscoped(self) -> bool:
        return self.spec.global_job or self.periodic

    def max_retries(self, settings: JobsSettings) -> int:
        return self.spec.max_retries if self.spec.max_retries is not None else settings.max_retries


class JobsRuntime:
    """Per-application jobs state: broker, actors, worker, periodic jobs, scheduler thread."""

    def __init__(self, app: Flask, settings: JobsSettings):
        self.app = app
        self.settings = settings
        self.broker = _make_broker(settings)
        self.definitions: dict[str, JobDefinition] = {}
        self._names: dict[Callable, str] = {}
        self.periodic: list = []  # scheduler.PeriodicEntry, filled by init_app
        self.worker: dramatiq.Worker | None = None
        self.scheduler_thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._booted = False
        self.dispatch_marks = None  # outbox.DispatchMarks, made at the first send to Redis

    @property
    def in_memory(self) -> bool:
        return isinstance(self.broker, StubBroker)

    # -- registration ---------------------------------------------------------------------------

    def register(self, name: str, fn: Callable, owner: str) -> JobDefinition:
        """Create the dramatiq actor for a ``@job`` function (idempotent for the same function)."""
        spec = spec_of(fn)
        existing = self._names.get(fn)
        if existing is not None:
            return self.definitions[existing]
        if name in self.definitions:
            raise ValueError(f"two jobs are named {name!r}")

        def perform(job_id: int, attempt: int) -> None:
            self.execute(name, job_id, attempt)

        perform.__module__ = fn.__module__  # dramatiq names the actor's logger after it
        perform.__name__ = perform.__qualname__ = name
        actor = dramatiq.Actor(
            perform,
            broker=self.broker,
            actor_name=name,
            queue_name=spec.queue,
            priority=0,
            options={},
        )
        definition = JobDefinition(name, fn, spec, actor, owner)
        self.definitions[name] = definition
        self._names[fn] = name
        return definition

    def definition_for(self, fn_or_name: Callable | str) -> JobDefinition:
        name = fn_or_name if isinstance(fn_or_name, str) else self._names.get(fn_or_name)
        if name is None or name not in self.definitions:
            raise LookupError(
                f"{fn_or_name!r} is not a registered job: return it from a plugin's register_jobs"
            )
        return self.definitions[name]

    # -- sending --------------------------------------------------------------------------------

    def send(self, actor_name: str, job_id: int, attempt: int) -> None:
        """Hand one outbox row's attempt (its ``attempts`` so far) to the broker, never with a
        broker delay: dates stay in the database."""
        self.definitions[actor_name].actor.send(job_id, attempt)
        if self.in_memory and self.settings.autostart:
            # Without Redis nobody else consumes this process' in-memory queues.
            self.ensure_worker()

    # -- worker ---------------------------------------------------------------------------------

    def ensure_worker(
        self, threads: int | None = None, queues: set[str] | None = None
    ) -> dramatiq.Worker:
        """Start this app's dramatiq worker in background threads (once), on ``queues`` (every
        declared queue by default)."""
        with self._lock:
            if self.worker is None:
                if not self._booted:
                    # What dramatiq's CLI does at process start: starts the TimeLimit watchdog.
                    self.broker.emit_after("process_boot")
                    self._booted = True
                worker = dramatiq.Worker(
                    self.broker,
                    queues=queues or None,
                    worker_threads=threads or self.settings.embedded_threads,
                    worker_timeout=self.settings.worker_timeout_ms,
                )
                worker.start()
                self.worker = worker
            return self.worker

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the scheduler thread and the worker (in-flight messages are requeued)."""
        self.stopping.set()
        if self.dispatch_marks is not None:
            self.dispatch_marks.flush()  # what this process sent is recorded before it goes
        thread, self.scheduler_thread = self.scheduler_thread, None
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop(timeout=int(timeout * 1000))
            # Worker.start() hooked the worker into the broker; unhook it so a later worker
            # (tests restart them) is the only one told about queues.
            self.broker.middleware[:] = [
                m for m in self.broker.middleware if getattr(m, "worker", None) is not worker
            ]

    # -- executing ------------------------------------------------------------------------------

    def execute(self, name: str, job_id: int, attempt: int) -> None:
        """The body of every actor: run attempt ``attempt`` of outbox row ``job_id``, once.

        Never raises: a failure is recorded in the row with its retry date (one retry chain per
        job, kept in the database); a delivery of an attempt already made, or of a row another
        worker holds the lease of, does nothing.
        """
        definition = self.definitions[name]
        with self.app.app_context():
            try:
                _execute(self, definition, job_id, attempt)
            finally:
                db.session.remove()


def _skipped_where_disabled(definition: JobDefinition, job_id: int, tenant_id: int | None) -> bool:
    """A plugin's job for a tenant that no longer enables the plugin does not run: the row (just
    claimed) is closed as skipped (``skipped_at``, the reason in ``last_error``), not retried."""
    plugins = current_app.extensions["portal.plugins"]
    if definition.owner not in plugins.infos or tenant_id is None:
        return False
    tenant = tenant_directory().by_id(tenant_id)
    if tenant is not None and plugins.is_enabled(definition.owner, tenant):
        return False
    reason = f"plugin {definition.owner!r} is disabled on tenant {tenant_id}"
    moment = clock_now()
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.completed_at.is_(None))
        .values(completed_at=moment, skipped_at=moment, last_error=reason, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning("job %s (%s) skipped: %s", job_id, definition.name, reason)
    return True


def _execute(runtime: JobsRuntime, definition: JobDefinition, job_id: int, attempt: int) -> None:
    session = db.session
    now = clock_now()
    lease = timedelta(seconds=runtime.settings.lease_seconds)
    # The claim commits at once: the lease, not a held lock, keeps other deliveries out, and it
    # lapses when the worker dies. A message for an earlier attempt (a stale duplicate) is refused.
    # One statement claims the row and reads what the attempt needs (a job is mostly its
    # bookkeeping: every round trip saved here is saved on every job).
    claimed = session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.completed_at.is_(None),
            Job.failed_at.is_(None),
            Job.attempts == attempt,
            or_(Job.lease_until.is_(None), Job.lease_until < now),
        )
        .values(
            started_at=now,
            lease_until=now + lease,
            dispatched_at=func.coalesce(Job.dispatched_at, now),
        )
        .returning(Job.tenant_id, Job.args, Job.handovers)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        session.rollback()
        log.info("job %s (%s) attempt %s: done, running or stale", job_id, definition.name, attempt)
        return
    tenant_id, args, handed_over = claimed.tenant_id, list(claimed.args or []), claimed.handovers
    if _skipped_where_disabled(definition, job_id, tenant_id):
        return
    session.commit()
    with _lease_kept(runtime, job_id, attempt, lease), attempt_of(job_id, handed_over):
        try:
            with _job_scope(tenant_id, definition.may_run_unscoped):
                definition.fn(tenant_id, *args)
                completed = session.execute(
                    update(Job)
                    .where(_still_ours(job_id, attempt))
                    .values(
                        completed_at=clock_now(),
                        attempts=attempt + 1,
                        last_error=None,
                        lease_until=None,
                    )
                    .execution_options(synchronize_session=False)
                )
                if completed.rowcount == 0:
                    session.rollback()  # its lease lapsed and the attempt was given up
                    log.warning("job %s attempt %s: lease lost, work undone", job_id, attempt)
                    return
                session.commit()  # the job's work and its "completed" mark, atomically
        except BaseException as exc:
            session.rollback()
            _record_failure(runtime, definition, job_id, attempt, exc)
            if not isinstance(exc, Exception):
                raise  # an interrupt or shutdown: recorded, then let it through


@contextmanager
def _lease_kept(
    runtime: JobsRuntime, job_id: int, attempt: int, lease: timedelta
) -> Iterator[None]:
    """Renew the attempt's lease every third of it while the block runs (never once the
    attempt was given up: the next one holds the row)."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with runtime.app.app_context(), db.engine.begin() as conn:
                    conn.execute(
                        update(Job)
                        .where(_still_ours(job_id, attempt))
                        .values(lease_until=clock_now() + lease)
                    )
            except Exception:
                log.warning("job %s: lease not renewed", job_id, exc_info=True)

    keeper = threading.Thread(target=renew, name=f"portal-job-{job_id}-lease", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()


@contextmanager
def _job_scope(tenant_id: int | None, may_run_unscoped: bool) -> Iterator[None]:
    if tenant_id is not None:
        with tenant_scope(tenant_id):
            yield
    elif may_run_unscoped:
        with unscoped():
            yield
    else:  # no tenant and not global: queries of tenant-owned models raise, as they should
        yield


def _still_ours(job_id: int, attempt: int):
    """The row is still at this attempt: no lapsed lease handed it to another one meanwhile."""
    return and_(Job.id == job_id, Job.attempts == attempt, Job.completed_at.is_(None))


def _record_failure(
    runtime: JobsRuntime, definition: JobDefinition, job_id: int, attempt: int, exc: BaseException
) -> None:
    """Record the failed attempt (see :func:`failed_attempt`). Should this write fail, the lease
    lapses and the sweep records it instead: either way one chain of attempts."""
    session = db.session
    try:
        error = f"{type(exc).__name__}: {exc}"
        values = failed_attempt(runtime, definition.name, attempt, error, clock_now())
        session.execute(
            update(Job)
            .where(_still_ours(job_id, attempt))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    except Exception:
        session.rollback()
        log.exception("job %s: could not record its failure", job_id)


def failed_attempt(
    runtime: JobsRuntime, actor_name: str, attempt: int, error: str, now: datetime
) -> dict[str, Any]:
    """The row's new values once attempt ``attempt`` failed with ``error``: counted, lease
    released, left unsent with its retry date (the sweep sends it then), or failed for good
    after the job's ``max_retries``."""
    settings = runtime.settings
    definition = runtime.definitions.get(actor_name)
    limit = definition.max_retries(settings) if definition else settings.max_retries
    attempts = attempt + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error[:4000],
        "lease_until": None,
        "dispatched_at": None,
    }
    if attempts > limit:
        values["failed_at"] = now
        log.error("job %s failed after %s attempts: %s", actor_name, attempts, error)
    else:
        _, backoff_ms = compute_backoff(
            attempt, factor=settings.min_backoff_ms, max_backoff=settings.max_backoff_ms
        )
        values["not_before"] = now + timedelta(milliseconds=backoff_ms)
        log.warning("job %s failed, retry %s: %s", actor_name, attempts, error)
    return values


def _make_broker(settings: JobsSettings) -> dramatiq.Broker:
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=settings.time_limit_ms),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
    ]
    if settings.redis_url:
        # Imported here: redis-py (with the cryptography it loads) is 12 MB of a process's
        # memory, which the embedded default, on in-process jobs, never needs.
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # The client is built here: dramatiq ignores socket options given along with a URL.
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
        )
        return RedisBroker(
            client=client,
            namespace=settings.redis_namespace,
            middleware=middleware,
            heartbeat_timeout=settings.heartbeat_timeout_ms,
        )
    return StubBroker(middleware=middleware)


def get_runtime(app: Flask | None = None) -> JobsRuntime:
    runtime = (app or current_app).extensions.get(EXTENSION_KEY)
    if runtime is None:
        raise RuntimeError("the jobs module is not initialised on this app")
    return runtime


# --- Blocking entry points and the test helper ---------------------------------------------------


def run_worker(app: Flask, threads: int = 4, queues: set[str] | None = None) -> None:
    """``portal worker``: consume ``queues`` (every queue by default) from Redis until
    SIGTERM/SIGINT. Dedicated workers (e.g. ``--queue sendings`` for the hand-overs) keep one
    kind of work from waiting behind another."""
    runtime = get_runtime(app)
    if runtime.in_memory:
        raise RuntimeError(
            "`portal worker` needs PORTAL_REDIS_URL; without Redis, jobs run inside the process "
            "that enqueues them (`portal run` starts a worker and the scheduler in-process)"
        )
    declared = runtime.broker.get_declared_queues()
    unknown = set(queues or ()) - declared
    if unknown:
        raise ValueError(f"unknown queues {sorted(unknown)}; declared: {sorted(declared)}")
    runtime.ensure_worker(threads, queues)
    log.info("worker: %d threads on queues %s", threads, sorted(queues or declared))
    wait_for_shutdown_signal(runtime.stopping)
    runtime.stop()


def wait_for_shutdown_signal(stopping: threading.Event, tick: float | None = None, on_tick=None):
    """Block until SIGTERM/SIGINT (or ``stopping`` is set), calling ``on_tick`` every ``tick``."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
    while not stopping.is_set():
        if on_tick is not None:
            on_tick()
        stopping.wait(tick if tick is not None else 1.0)


def drain(app: Flask, timeout: float = 10.0) -> None:
    """Test helper: wait until every message sent so far, and the retries it scheduled, has been
    processed; retries are sent when due, as the scheduler's sweep would.

    Starts this app's worker if needed. Raises ``TimeoutError`` after ``timeout`` seconds.
    """
    runtime = get_runtime(app)
    worker = runtime.ensure_worker()
    deadline = time.monotonic() + timeout
    idle_checks = 0
    while idle_checks < 2:  # twice in a row: a message may be sent between two looks
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs still pending after {timeout} s")
        if _broker_empty(runtime) and _worker_idle(worker) and not _retry_sent(runtime, timeout):
            idle_checks += 1
        else:
            idle_checks = 0
        time.sleep(0.005)


def settle(app: Flask, timeout: float = 10.0) -> bool:
    """Test helper: wait until this app's worker, if it runs, has nothing queued or in hand, and
    record the pending dispatch marks; send no retry. Returns whether it settled in time.

    A test's last jobs may still run when it ends: the rows they write must not meet the
    cleanup of the next test (on PostgreSQL the two would deadlock)."""
    runtime = app.extensions.get(EXTENSION_KEY)
    if runtime is None:
        return True
    if runtime.dispatch_marks is not None:
        runtime.dispatch_marks.flush()
    worker = runtime.worker
    if worker is None:
        return True
    deadline = time.monotonic() + timeout
    idle_checks = 0
    while idle_checks < 2:
        if time.monotonic() > deadline:
            return False
        idle_checks = idle_checks + 1 if _broker_empty(runtime) and _worker_idle(worker) else 0
        time.sleep(0.005)
    return True


def _retry_sent(runtime: JobsRuntime, within: float) -> bool:
    """Whether a failed attempt's retry comes ``within`` seconds; sends those that are due."""
    from portal.core.jobs.outbox import sweep

    now = clock_now()
    waiting = (
        select(func.min(Job.not_before))
        .where(Job.attempts > 0, Job.dispatched_at.is_(None))
        .where(Job.completed_at.is_(None), Job.failed_at.is_(None))
        .where(Job.not_before <= now + timedelta(seconds=within))
    )
    with runtime.app.app_context():
        try:
            if db.session.scalar(waiting) is None:
                return False
            if db.session.scalar(waiting.where(Job.not_before <= now)) is not None:
                sweep(runtime, now)
            return True
        finally:
            db.session.remove()


def _broker_empty(runtime: JobsRuntime) -> bool:
    broker = runtime.broker
    if isinstance(broker, StubBroker):
        # unfinished_tasks counts messages until they are acked, delay queues included.
        return all(q.unfinished_tasks == 0 for q in broker.queues.values())
    # Redis qsize counts queued, delayed and not-yet-acked messages.
    return all(broker.do_qsize(name) == 0 for name in broker.get_declared_queues())


def _worker_idle(worker: dramatiq.Worker) -> bool:
    return worker.work_queue.unfinished_tasks == 0 and all(
        consumer.delay_queue.unfinished_tasks == 0 for consumer in list(worker.consumers.values())
    )
