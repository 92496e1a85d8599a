"""Background jobs of the e-signature module: the emails, the delivery of each outcome to the
asking plugin (``on_signature_outcome``, once), and the periodic expiry and reminders.

Jobs are delivered at least once and the worker commits their work with their "completed" mark:
each one here is safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from portal.core import clock
from portal.core.database import take_sqlite_write_lock
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.signatures import charges, notifications
from portal.core.signatures.models import (
    ProcedureOutcome,
    ProcedureSigner,
    ProcedureState,
    SignatureProcedure,
)
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

DEFAULT_REMINDER_HOURS = (48, 24)
# Outcomes the agent hears about by email (a cancellation is the agent's or plugin's own act).
NOTIFIED_OUTCOMES = {
    ProcedureState.SIGNED.value: notifications.SIGNED,
    ProcedureState.DECLINED.value: notifications.DECLINED,
    ProcedureState.EXPIRED.value: notifications.EXPIRED,
}


def _write_lock() -> None:
    """SQLite: take the database's write lock before reading what the job then changes. Two
    jobs that both read first would deadlock on their first write (one fails at once); this way
    the second waits its turn (busy timeout). PostgreSQL locks rows instead."""
    take_sqlite_write_lock("signature_outcome")


def _signer(signer_id: int) -> ProcedureSigner | None:
    _write_lock()
    # Locked on PostgreSQL: two deliveries of the same reminder wait for each other, and the
    # second sees the key the first recorded.
    return db.session.scalar(
        select(ProcedureSigner).where(ProcedureSigner.id == signer_id).with_for_update()
    )


# --- Emails ----------------------------------------------------------------------------------


@job(queue="mail")
def send_invitation(tenant_id, signer_id):
    """The signer's invitation; a bounce is recorded and the agent told (never retried)."""
    notifications.deliver_invitation(_signer(signer_id))


@job(queue="mail")
def send_reminder(tenant_id, signer_id, key):
    """A reminder before the deadline, once per ``key`` (``signer.reminders_sent``)."""
    notifications.deliver_reminder(_signer(signer_id), key)


@job(queue="mail")
def send_agent_notice(tenant_id, procedure_id, what, signer_id=None, refunded=False):
    """The agent's email about a bounce, a refusal, an expiry or the procedure complete."""
    _write_lock()
    procedure = db.session.get(SignatureProcedure, procedure_id)
    signer = db.session.get(ProcedureSigner, signer_id) if signer_id else None
    notifications.deliver_agent_notice(procedure, what, signer, refunded=refunded)


# --- Outcomes --------------------------------------------------------------------------------


@job(queue="default")
def deliver_outcome(tenant_id, outcome_id):
    """Tell the asking plugin a procedure ended (``on_signature_outcome``), refund or invoice its
    price per its rule, tell the agent: exactly once per outcome.

    ``delivered_at`` is set first, by a conditional UPDATE in the job's own transaction: a second
    delivery running at the same time waits on the row (PostgreSQL) or on the database's write
    lock (SQLite) and then finds it set; a later one skips at once. If the hook fails, the whole
    attempt — the mark included — is rolled back and retried, so the plugin's work and the mark
    are committed together or not at all.
    """
    moment = clock.now()
    claimed = db.session.execute(
        update(ProcedureOutcome)
        .where(ProcedureOutcome.id == outcome_id, ProcedureOutcome.delivered_at.is_(None))
        .values(delivered_at=moment)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        log.info("signature outcome %s: already delivered (or gone)", outcome_id)
        return
    outcome = db.session.scalar(
        select(ProcedureOutcome)
        .where(ProcedureOutcome.id == outcome_id)
        .execution_options(populate_existing=True)
    )
    procedure = db.session.get(SignatureProcedure, outcome.procedure_id)
    tenant = tenant_directory().by_id(procedure.tenant_id)
    from portal.core.plugins import current_plugins

    current_plugins().call(
        "on_signature_outcome", tenant=tenant, procedure=procedure, outcome=outcome.outcome
    )
    refunded = charges.refund_procedure(procedure, outcome.outcome)
    if not refunded:
        charges.consume_procedure(procedure, notifications.aware(outcome.recorded_at) or moment)
    what = NOTIFIED_OUTCOMES.get(outcome.outcome)
    if what is not None:
        notifications.notify_agent(procedure, what, refunded=refunded)


# --- Periodic: expiry and reminders ----------------------------------------------------------


def _tenants_with(*conditions) -> list[int]:
    with unscoped():
        return list(
            db.session.scalars(
                select(SignatureProcedure.tenant_id)
                .where(SignatureProcedure.state == ProcedureState.ONGOING, *conditions)
                .distinct()
                .order_by(SignatureProcedure.tenant_id)
            )
        )


def _fan_out(tenant_ids: list[int], fn) -> None:
    """One job per tenant: a tenant's failure neither blocks nor undoes another's."""
    for tenant_id in tenant_ids:
        with tenant_scope(tenant_id):
            enqueue(fn)


@job(queue="default")
def expire_overdue(tenant_id=None):
    """Every 5 minutes: each tenant with ongoing procedures past their deadline expires them."""
    _write_lock()
    _fan_out(_tenants_with(*_overdue()), expire_tenant_procedures)


def _overdue() -> tuple:
    """Past their deadline, run by the built-in engine: an outside provider expires its own
    requests and says so by webhook (expiring them here would leave them open there)."""
    return (SignatureProcedure.deadline < clock.now(), SignatureProcedure.provider == "builtin")


@job(queue="default")
def expire_tenant_procedures(tenant_id):
    """Expire this tenant's ongoing procedures past their deadline (each outcome is then
    delivered by its own job). One that fails is logged and left for the next run."""
    from portal.core.signatures import operations

    _write_lock()
    overdue = db.session.scalars(
        select(SignatureProcedure)
        .where(SignatureProcedure.state == ProcedureState.ONGOING, *_overdue())
        .order_by(SignatureProcedure.deadline, SignatureProcedure.id)
    ).all()
    for procedure in overdue:
        try:
            with db.session.begin_nested():
                operations.expire_procedure(procedure)
        except Exception:
            log.exception("signature %s: could not expire it", procedure.reference)


def reminder_hours(tenant) -> tuple[int, ...]:
    """How many hours before the deadline signers are reminded (the tenant's
    ``[signatures] reminder_hours``, default 48 and 24)."""
    hours = getattr(getattr(tenant.config, "signatures", None), "reminder_hours", None)
    return DEFAULT_REMINDER_HOURS if hours is None else tuple(hours)  # () : no reminders


@job(queue="default")
def send_reminders(tenant_id=None):
    """Hourly: each tenant with ongoing procedures before their deadline looks for the
    reminders due (its own ``reminder_hours``)."""
    _write_lock()
    _fan_out(_tenants_with(SignatureProcedure.deadline > clock.now()), remind_tenant_signers)


@job(queue="default")
def remind_tenant_signers(tenant_id):
    """Queue the reminders due now to the signers of this tenant's remote procedures who have
    not signed and whose turn it is (not to an address that bounced, nor one whose time came
    before the signer was invited)."""
    from portal.core.signatures import rules
    from portal.core.signatures.providers.base import Delivery

    tenant = tenant_directory().by_id(tenant_id)
    hours = reminder_hours(tenant)
    if not hours:
        return
    _write_lock()
    moment = clock.now()
    procedures = db.session.scalars(
        select(SignatureProcedure)
        .where(
            SignatureProcedure.state == ProcedureState.ONGOING,
            SignatureProcedure.delivery == Delivery.REMOTE,
            SignatureProcedure.provider == "builtin",  # an outside provider reminds its signers
            SignatureProcedure.deadline > moment,
            SignatureProcedure.deadline <= moment + timedelta(hours=max(hours)),
        )
        .order_by(SignatureProcedure.id)
    ).all()
    for procedure in procedures:
        deadline = notifications.aware(procedure.deadline)
        for signer in rules.signer_turn(procedure.signers, procedure.ordered):
            if signer.state not in notifications.PENDING_SIGNER_STATES:
                continue
            if signer.invitation_bounced_at is not None:
                continue
            # A reminder whose time came before the invitation would repeat it at once.
            invited = notifications.aware(signer.invited_at) or moment
            hours_left = [h for h in hours if deadline - timedelta(hours=h) > invited]
            if not hours_left:
                continue
            sent = signer.reminders_sent or []
            key = rules.reminder_due(deadline, moment, sent, hours=hours_left)
            if key is not None:
                notifications.queue_reminder(signer, key)


JOBS = [
    send_invitation,
    send_reminder,
    send_agent_notice,
    deliver_outcome,
    expire_tenant_procedures,
    remind_tenant_signers,
]
PERIODIC_JOBS = [
    PeriodicJob(job=expire_overdue, every=timedelta(minutes=5)),
    PeriodicJob(job=send_reminders, cron="0 * * * *"),
]
