"""Background jobs of the sendings: the minute's dispatch of due sendings and the hand-over of
each one, the operators' polling every 10 minutes, and each state reached told once (the owner
plugin's hook, the profile's email, the charge settled), and each operator event told to the
owner plugin.

Jobs are delivered at least once and the worker commits their work with their "completed" mark:
each one here is safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.core import clock
from portal.core.database import take_sqlite_write_lock
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.sendings import charges, notifications, rules
from portal.core.sendings.models import Sending, SendingEvent, SendingStateReached
from portal.core.sendings.operators.base import OperatorUnavailable, SendingState
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

# How many due sendings one dispatch claims (the next minute's run takes the rest).
DISPATCH_BATCH = 2000
# How many sendings of a tenant one hand-over job takes: a job's own bookkeeping (its claim, its
# completion, the broker) costs as much as a hand-over, so a rush of due sendings is handed over
# in jobs of up to this many, while a few due sendings still get a job each (in parallel).
HANDOVER_BATCH = 25


def queue_state_reached(tenant_id: int, reached_id: int) -> None:
    """Queue the job that tells the state reached, once the current transaction commits."""
    with tenant_scope(tenant_id):
        enqueue(deliver_state_reached, reached_id)


def queue_operator_event(tenant_id: int, event_id: int) -> None:
    """Queue the job that tells an operator's event, once the current transaction commits (no
    job where no plugin of the tenant listens)."""
    from portal.core.plugins import current_plugins

    tenant = tenant_directory().by_id(tenant_id)
    if not current_plugins().hook_caller("on_sending_event", tenant).get_hookimpls():
        return
    with tenant_scope(tenant_id):
        enqueue(deliver_operator_event, event_id)


# --- Hand-over -------------------------------------------------------------------------------


# Hand-overs have a queue of their own: one lost with a dead worker and sent again is not
# queued behind the operators' slower work (sandboxes render sealed proofs).
@job(queue="sendings")
def dispatch_due(tenant_id=None):
    """Every minute: claim the due sendings (and the stale claims) and queue the hand-over
    jobs, in the same transaction (the claim and its jobs commit together): one job per sending
    while there are few, batches of up to :data:`HANDOVER_BATCH` of a tenant in a rush."""
    from portal.core.sendings.operations import claim_due

    by_tenant: dict[int, list[int]] = {}
    for owner_tenant, sending_id in claim_due(clock.now(), DISPATCH_BATCH):
        by_tenant.setdefault(owner_tenant, []).append(sending_id)
    for owner_tenant, ids in by_tenant.items():
        size = batch_size(len(ids))
        with tenant_scope(owner_tenant):
            for start in range(0, len(ids), size):
                batch = ids[start : start + size]
                if len(batch) == 1:
                    enqueue(hand_over_sending, batch[0])
                else:
                    enqueue(hand_over_sendings, batch)


def batch_size(due: int) -> int:
    """Sendings per hand-over job when ``due`` are claimed at once: one each up to 80 (more
    jobs than worker threads), then batches growing to :data:`HANDOVER_BATCH`."""
    return max(1, min(HANDOVER_BATCH, due // 40))


@job(queue="sendings")
def hand_over_sending(tenant_id, sending_id):
    """Hand one DUE sending to its operator, exactly once (see ``operations.handover``)."""
    _hand_over_one(sending_id)


@job(queue="sendings")
def hand_over_sendings(tenant_id, sending_ids):
    """Hand several DUE sendings of one tenant to their operators, each exactly once, in one
    transaction. Should one of them raise, the batch is undone and each sending gets a job of
    its own (``hand_over_sending``): one faulty sending never holds the others back, and a
    hand-over an operator took before the failure is reconciled, never sent twice."""
    try:
        for sending_id in sending_ids:
            _hand_over_one(sending_id)
    except Exception:
        log.exception("hand-over batch %s failed: one job per sending instead", sending_ids)
        db.session.rollback()
        for sending_id in sending_ids:
            enqueue(hand_over_sending, sending_id)


def _hand_over_one(sending_id: int) -> None:
    from portal.core.sendings.operations import hand_over

    take_sqlite_write_lock("sending")
    # The row locked and its documents read in one round trip (what the operator receives).
    sending = (
        db.session.scalars(
            select(Sending)
            .where(Sending.id == sending_id)
            .options(joinedload(Sending.documents))
            .with_for_update(of=Sending)
        )
        .unique()
        .first()
    )
    if sending is None:
        return
    hand_over(sending, locked=True)


# --- Polling ---------------------------------------------------------------------------------


@job(queue="default")
def poll_operators(tenant_id=None):
    """Every 10 minutes: each tenant with sendings at an operator asks for their events."""
    with unscoped():
        tenants = list(
            db.session.scalars(
                select(Sending.tenant_id)
                .where(Sending.state.in_(rules.AT_OPERATOR), Sending.operator_ref.is_not(None))
                .distinct()
                .order_by(Sending.tenant_id)
            )
        )
    for each in tenants:
        with tenant_scope(each):
            enqueue(poll_tenant_sendings)


@job(queue="default")
def poll_tenant_sendings(tenant_id):
    """Ask the operator for the events of each of this tenant's sendings it holds (applied once
    each). An operator that does not answer is asked again next time."""
    from portal.core.sendings.operations import apply_operator_events
    from portal.core.sendings.operators import operator_for

    take_sqlite_write_lock("sending")
    sendings = db.session.scalars(
        select(Sending)
        .where(Sending.state.in_(rules.AT_OPERATOR), Sending.operator_ref.is_not(None))
        .order_by(Sending.id)
    ).all()
    for sending in sendings:
        try:
            with db.session.begin_nested():
                operator = operator_for(sending.channel)
                events = operator.events(sending.operator_ref)
                apply_operator_events(sending.channel, events, "poll")
        except OperatorUnavailable as exc:
            log.warning("sending %s: operator unavailable (poll): %s", sending.reference, exc)
        except Exception:
            log.exception("sending %s: polling failed", sending.reference)


# --- States reached --------------------------------------------------------------------------


@job(queue="default")
def deliver_state_reached(tenant_id, reached_id):
    """Tell the owner plugin (``on_sending_state_changed``), settle the charge (on the invoice
    once handed over) and email the managing profile: once per state reached, in the order
    reached (the sending's earlier states not yet told are told first, whichever job runs first).

    Each ``delivered_at`` is set first by a conditional UPDATE in the job's own transaction: a
    second delivery waits on the row and then finds it set. If the hook fails the whole attempt,
    the marks included, is rolled back and retried."""
    take_sqlite_write_lock("sending_state_reached")
    reached = db.session.get(SendingStateReached, reached_id)
    if reached is None:
        return
    pending = db.session.scalars(
        select(SendingStateReached.id)
        .where(
            SendingStateReached.sending_id == reached.sending_id,
            SendingStateReached.id <= reached_id,
            SendingStateReached.delivered_at.is_(None),
        )
        .order_by(SendingStateReached.id)
    ).all()
    for each in pending:
        _deliver_one(each)


def _deliver_one(reached_id: int) -> None:
    moment = clock.now()
    claimed = db.session.execute(
        update(SendingStateReached)
        .where(SendingStateReached.id == reached_id, SendingStateReached.delivered_at.is_(None))
        .values(delivered_at=moment)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        log.info("sending state %s: already delivered (or gone)", reached_id)
        return
    reached = db.session.get(SendingStateReached, reached_id)
    sending = db.session.get(Sending, reached.sending_id)
    tenant = tenant_directory().by_id(sending.tenant_id)
    from portal.core.plugins import current_plugins

    current_plugins().call(
        "on_sending_state_changed", tenant=tenant, sending=sending, state=reached.state
    )
    if reached.state == SendingState.HANDED_OVER:
        charges.consume_sending(sending, sending.handed_over_at or moment)
    if reached.state in rules.NOTIFIED:
        notifications.queue_state_notice(sending, reached.state)


@job(queue="default")
def deliver_operator_event(tenant_id, event_id):
    """Tell the owner plugin one event its operator reported (``on_sending_event``): the
    operator's steps between states, which the states reached do not name one by one."""
    event = db.session.get(SendingEvent, event_id)
    if event is None:
        return
    sending = db.session.get(Sending, event.sending_id)
    from portal.core.plugins import current_plugins

    current_plugins().call(
        "on_sending_event",
        tenant=tenant_directory().by_id(sending.tenant_id),
        sending=sending,
        event=event,
    )


@job(queue="mail")
def send_state_notice(tenant_id, sending_id, state):
    """The managing profile's email about a state the sending reached."""
    sending = db.session.get(Sending, sending_id)
    notifications.deliver_state_notice(sending, SendingState(state))


JOBS = [
    hand_over_sending,
    hand_over_sendings,
    poll_tenant_sendings,
    deliver_state_reached,
    deliver_operator_event,
    send_state_notice,
]
PERIODIC_JOBS = [
    PeriodicJob(job=dispatch_due, every=timedelta(minutes=1)),
    PeriodicJob(job=poll_operators, every=timedelta(minutes=10)),
]
