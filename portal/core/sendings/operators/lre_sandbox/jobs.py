"""Jobs of the sandbox LRE operator: processing a deposit, emailing a recipient's code, calling
the portal back after each event, and the periodic negligence sweep (on the operator's clock).
Each is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from portal.core import clock
from portal.core.database import take_sqlite_write_lock
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.sendings.operators.lre_sandbox import rules
from portal.core.sendings.operators.lre_sandbox.models import LreSandboxDeposit, LreSandboxEvent
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)


def _deposit(deposit_id: int) -> LreSandboxDeposit | None:
    # SQLite: take the write lock before reading what is then changed; PostgreSQL: the row's.
    take_sqlite_write_lock("lre_sandbox_deposit")
    return db.session.scalar(
        select(LreSandboxDeposit).where(LreSandboxDeposit.id == deposit_id).with_for_update()
    )


@job(queue="default")
def lre_sandbox_process(tenant_id, deposit_id):
    """A new deposit: its proof, the recipient's notification, the address's scenario."""
    from portal.core.sendings.operators.lre_sandbox.operations import process

    deposit = _deposit(deposit_id)
    if deposit is not None:
        process(deposit)


@job(queue="mail")
def lre_sandbox_send_code(tenant_id, deposit_id):
    """Email the recipient a one-time code (qualified LRE)."""
    from portal.core.sendings.operators.lre_sandbox.operations import send_code

    deposit = _deposit(deposit_id)
    if deposit is not None and deposit.status == rules.SENT and deposit.identified_at is None:
        send_code(deposit)


@job(queue="default")
def lre_sandbox_callback(tenant_id, event_id):
    """Post the event to the portal's callback route, signed (retried until it answers 2xx)."""
    from portal.core.sendings.operators.lre_sandbox.operator import callback_request

    event = db.session.scalar(select(LreSandboxEvent).where(LreSandboxEvent.event_id == event_id))
    if event is None:
        return
    body, headers = callback_request(event)
    from portal.core.sendings.callbacks import post_callback

    status = post_callback(tenant_id, "lre", "sandbox", body, headers)
    if status >= 500:  # the portal could not take it now: the job's retry sends it again
        raise RuntimeError(f"LRE sandbox callback {event_id}: the portal answered {status}")
    if status >= 400:
        log.warning("LRE sandbox callback %s refused (%s)", event_id, status)


@job(queue="default")
def lre_sandbox_negligence(tenant_id=None):
    """Every 10 minutes: each tenant with notified letters past their 15 days gets a job."""
    with unscoped():
        tenants = db.session.scalars(
            select(LreSandboxDeposit.tenant_id)
            .where(*_overdue())
            .distinct()
            .order_by(LreSandboxDeposit.tenant_id)
        ).all()
    for each in tenants:
        with tenant_scope(each):
            enqueue(lre_sandbox_expire_tenant)


def _overdue() -> tuple:
    return (LreSandboxDeposit.status == rules.SENT, LreSandboxDeposit.expires_at <= clock.now())


@job(queue="default")
def lre_sandbox_expire_tenant(tenant_id):
    """Establish negligence for this tenant's overdue letters (each proof sealed now)."""
    from portal.core.sendings.operators.lre_sandbox.operations import expire

    take_sqlite_write_lock("lre_sandbox_deposit")
    overdue = db.session.scalars(
        select(LreSandboxDeposit).where(*_overdue()).order_by(LreSandboxDeposit.id).limit(500)
    ).all()
    for deposit in overdue:
        try:
            with db.session.begin_nested():
                expire(deposit)
        except Exception:
            log.exception("LRE sandbox %s: negligence not recorded", deposit.reference)


JOBS = [
    lre_sandbox_process,
    lre_sandbox_send_code,
    lre_sandbox_callback,
    lre_sandbox_negligence,
    lre_sandbox_expire_tenant,
]
PERIODIC_JOBS = [PeriodicJob(job=lre_sandbox_negligence, every=timedelta(minutes=10))]
