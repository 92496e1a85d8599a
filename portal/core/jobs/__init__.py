"""Background jobs: dramatiq actors fed by a transactional outbox, plus a periodic scheduler.

Plugins declare jobs with ``@job`` and return them from ``register_jobs`` (periodic ones from
``register_periodic_jobs``). Code in a request or a job calls ``enqueue(fn, *args)`` or
``schedule_at(when, fn, *args)``: the job is recorded in the same transaction and sent only if it
commits. Jobs are delivered at least once and run in their tenant's scope.

Processes:

* ``portal run``: :func:`start_embedded` runs worker threads and a scheduler thread in the web
  process (with or without Redis).
* ``portal worker`` (:func:`run_worker`, Redis only) and ``portal scheduler``
  (:func:`run_scheduler`, safe to run several times) in production.
* Without ``PORTAL_REDIS_URL`` the broker lives in memory and any process that sends a job starts
  worker threads for it (``PORTAL_JOBS_AUTOSTART``); due dates, retries and lost sends then
  wait for a scheduler (``portal run`` or ``portal scheduler``).

Retries and dead workers are recovered from the database, never from the broker's memory: a
failed attempt gets a retry date in its row, a running one holds a lease its worker renews, and
the scheduler sends what is due (``outbox.sweep``). Emails and SMS keep one identity per job
(``handover``).

Configuration (app config, else environment): ``PORTAL_REDIS_URL``, ``PORTAL_REDIS_NAMESPACE``,
``PORTAL_REDIS_TIMEOUT_SECONDS``, ``PORTAL_SCHEDULER_TICK_SECONDS`` and the ``PORTAL_JOBS_*``
keys of :class:`JobsSettings`.
``PORTAL_EXTRA_JOBS`` (tests) lists more jobs or ``PeriodicJob`` entries, as objects or
``"module:attribute"`` strings (in the environment: comma-separated strings, for the test
suite's ``portal worker`` processes); they are named ``extra.<function>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from flask import Flask

from portal.core.jobs.models import Job, PeriodicRun
from portal.core.jobs.outbox import enqueue, purge_job_history, schedule_at, sweep
from portal.core.jobs.runtime import (
    JobsRuntime,
    JobsSettings,
    drain,
    get_runtime,
    job,
    run_worker,
)
from portal.core.jobs.scheduler import (
    PeriodicEntry,
    TickResult,
    run_scheduler,
    scheduler_tick,
    start_scheduler_thread,
)
from portal.core.plugins.types import PeriodicJob

__all__ = [
    "Job",
    "JobsRuntime",
    "JobsSettings",
    "PeriodicRun",
    "TickResult",
    "drain",
    "enqueue",
    "get_runtime",
    "init_app",
    "job",
    "run_scheduler",
    "run_worker",
    "schedule_at",
    "scheduler_tick",
    "shutdown",
    "start_embedded",
    "sweep",
]

CORE_OWNER = "core.jobs"
CORE_JOBS = [purge_job_history]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
CORE_PERIODIC_JOBS = [PeriodicJob(job=purge_job_history, cron="30 4 * * *")]


def init_app(app: Flask, plugins) -> None:
    """Build the app's broker and actors from the plugins' jobs, the core's and the extras."""
    runtime = JobsRuntime(app, JobsSettings.from_app(app))
    listed = app.config.get("PORTAL_EXTRA_JOBS") or os.environ.get("PORTAL_EXTRA_JOBS", "")
    if isinstance(listed, str):
        listed = [name for name in listed.split(",") if name]
    extras = [_resolve(item) for item in listed]
    extra_jobs = [item for item in extras if not isinstance(item, PeriodicJob)]
    extra_periodic = [item for item in extras if isinstance(item, PeriodicJob)]

    for owner, functions in [
        *plugins.call_each("register_jobs"),
        (CORE_OWNER, CORE_JOBS),
        ("extra", extra_jobs),
    ]:
        for fn in _as_list(functions):
            _register(runtime, owner, fn)

    seen: set[str] = set()
    for owner, entries in [
        *plugins.call_each("register_periodic_jobs"),
        (CORE_OWNER, CORE_PERIODIC_JOBS),
        ("extra", extra_periodic),
    ]:
        for entry in _as_list(entries):
            if not isinstance(entry, PeriodicJob):
                raise TypeError(f"{owner}: register_periodic_jobs returned {entry!r}")
            definition = _register(runtime, owner, entry.job)
            definition.periodic = True
            if definition.name in seen:
                raise ValueError(f"periodic job {definition.name} is declared twice")
            seen.add(definition.name)
            runtime.periodic.append(
                PeriodicEntry(definition.name, cron=entry.cron, every=entry.every)
            )
    app.extensions["portal.jobs"] = runtime


def _register(runtime: JobsRuntime, owner: str, fn: Callable):
    if not callable(fn) or not hasattr(fn, "__name__"):
        raise TypeError(f"{owner}: {fn!r} is not a job function")
    return runtime.register(f"{owner}.{fn.__name__}", fn, owner)


def _as_list(answer: Any) -> list:
    if isinstance(answer, Iterable) and not isinstance(answer, str):
        return list(answer)
    return [answer]


def _resolve(item: Any) -> Any:
    if isinstance(item, str):
        module, _, attribute = item.partition(":")
        return getattr(import_module(module), attribute)
    return item


def start_embedded(app: Flask) -> JobsRuntime:
    """Run jobs inside this process (``portal run``): worker threads and a scheduler thread.

    Without Redis these are the only worker and scheduler. With Redis they consume and tick
    alongside any ``portal worker`` / ``portal scheduler`` processes, which is safe. Idempotent.
    """
    runtime = get_runtime(app)
    runtime.stopping.clear()
    runtime.ensure_worker()
    if runtime.scheduler_thread is None:
        start_scheduler_thread(app)
    return runtime


def shutdown(app: Flask, timeout: float = 10.0) -> None:
    """Stop this app's worker and scheduler threads (tests, clean exits)."""
    get_runtime(app).stop(timeout)
