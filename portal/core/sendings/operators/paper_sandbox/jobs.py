"""The sandbox printer's clock: a periodic job moves each print job through its planned steps
when their moment comes (``portal.core.clock``), issues the proofs, and a job per event posts
the signed callback to the portal. Each is safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.core import clock
from portal.core.database import take_sqlite_write_lock
from portal.core.jobs import enqueue, job, schedule_at
from portal.core.plugins.types import PeriodicJob
from portal.core.sendings.operators.base import Channel
from portal.core.sendings.operators.paper_sandbox import rules
from portal.core.sendings.operators.paper_sandbox.models import (
    PaperSandboxEvent,
    PaperSandboxJob,
    PaperSandboxProof,
    PrintStatus,
)
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)


def record_event(
    print_job: PaperSandboxJob,
    code: str,
    status: PrintStatus,
    at: datetime,
    detail: str,
    proofs,
) -> PaperSandboxEvent:
    """Add an event (``<reference>-<code>``: stable, a code happens once per job) and queue its
    callback (sent after the transaction commits)."""
    event = PaperSandboxEvent(
        job_id=print_job.id,
        event_id=f"{print_job.reference}-{code}",
        code=code,
        status=status,
        occurred_at=at,
        detail=detail,
    )
    for proof in proofs:
        event.proofs.append(
            PaperSandboxProof(
                kind=proof.kind.value,
                filename=proof.filename,
                media_type=proof.media_type,
                content=proof.content,
            )
        )
    print_job.events.append(event)
    print_job.status = status
    db.session.flush()
    enqueue(send_paper_callback, event.id)
    return event


def advance(print_job: PaperSandboxJob, now: datetime) -> int:
    """Take every step of ``print_job`` whose moment has come; the number taken."""
    from portal.core.sendings.operators.paper_sandbox import proofs

    plan = [rules.Step.from_json(data) for data in print_job.plan or []]
    taken = 0
    while print_job.step < len(plan) and plan[print_job.step].at <= now:
        step = plan[print_job.step]
        files = (proofs.issue(step.proof, print_job, step),) if step.proof else ()
        record_event(print_job, step.code, step.status, step.at, step.detail, files)
        print_job.step += 1
        taken += 1
    print_job.next_step_at = plan[print_job.step].at if print_job.step < len(plan) else None
    return taken


def wake_at_next_step(print_job: PaperSandboxJob, fast: bool) -> None:
    """At demo speed, steps seconds apart would wait for the minute's periodic run: a job is
    scheduled at the next step's moment instead (the postal calendar keeps the periodic run)."""
    if fast and print_job.next_step_at is not None:
        schedule_at(print_job.next_step_at, advance_tenant_print_jobs)


def _fast() -> bool:
    from portal.core.sendings.operators.paper_sandbox.operator import step_seconds

    return step_seconds(current_app.config) is not None


@job(queue="default")
def advance_paper_sandbox(tenant_id=None):
    """Every minute: each tenant with print jobs whose next step has come moves them on."""
    take_sqlite_write_lock("paper_sandbox_job")
    with unscoped():
        tenants = list(
            db.session.scalars(
                select(PaperSandboxJob.tenant_id)
                .where(PaperSandboxJob.next_step_at <= clock.now())
                .distinct()
                .order_by(PaperSandboxJob.tenant_id)
            )
        )
    for each in tenants:
        with tenant_scope(each):
            enqueue(advance_tenant_print_jobs)


@job(queue="default")
def advance_tenant_print_jobs(tenant_id):
    """Move this tenant's due print jobs on (rows locked: two runs never take a step twice)."""
    take_sqlite_write_lock("paper_sandbox_job")
    now = clock.now()
    due = db.session.scalars(
        select(PaperSandboxJob)
        .where(PaperSandboxJob.next_step_at <= now)
        .order_by(PaperSandboxJob.next_step_at, PaperSandboxJob.id)
        .with_for_update(skip_locked=True)
    ).all()
    for print_job in due:
        try:
            with db.session.begin_nested():
                advance(print_job, now)
                wake_at_next_step(print_job, _fast())
        except Exception:
            log.exception("paper sandbox %s: could not move it on", print_job.reference)


@job(queue="default")
def send_paper_callback(tenant_id, event_row_id):
    """Post the signed callback of one event to the portal, once it got through (a failure is
    retried by the job runtime, like Maileva's notification retries)."""
    from portal.core.sendings.callbacks import post_callback
    from portal.core.sendings.operators import paper_sandbox

    event = db.session.get(PaperSandboxEvent, event_row_id)
    if event is None or event.callback_sent_at is not None:
        return
    operator = paper_sandbox.PaperSandboxOperator(current_app.config)
    body, headers = operator.callback(event)
    # End the read before the portal's request writes (SQLite: a reader that later writes
    # would lose to it); nothing was written yet.
    db.session.rollback()
    status = post_callback(tenant_id, Channel.PAPER.value, operator.name, body, headers)
    if status >= 500:
        raise RuntimeError(f"the portal answered {status} to callback {event_row_id}: retried")
    if status >= 400:  # refused for good (its sending is unknown there): not sent again
        log.warning("paper sandbox callback %s refused (%s)", event_row_id, status)
    take_sqlite_write_lock("paper_sandbox_job")
    db.session.execute(
        update(PaperSandboxEvent)
        .where(PaperSandboxEvent.id == event_row_id, PaperSandboxEvent.callback_sent_at.is_(None))
        .values(callback_sent_at=clock.now())
        .execution_options(synchronize_session=False)
    )


JOBS = [advance_paper_sandbox, advance_tenant_print_jobs, send_paper_callback]
PERIODIC_JOBS = [PeriodicJob(job=advance_paper_sandbox, every=timedelta(minutes=1))]
