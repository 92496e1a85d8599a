"""Hand-over: the scheduler claims the due sendings (``claim_due``), a job hands each one to its
operator exactly once (``hand_over``), keyed on the portal's own ``delivery_id``.

Exactly once, whatever happens:

* two schedulers claim at once: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL gives each disjoint
  rows; SQLite has one writer (its write lock is taken first);
* a job delivered twice, or two jobs for the same sending: the row is locked and a sending no
  longer DUE is left alone;
* a worker killed after the operator took the sending but before the portal committed: the
  sending is still DUE, the sweep claims it again (``STALE_CLAIM``) and the job hands it over
  again: the operator, idempotent on the delivery id, answers with what it holds
  (``Accepted.existing``), recorded as reconciled, never sent again;
* the operator is down (``OperatorUnavailable``): the sending stays DUE and is tried again by the
  sweep; it refuses the sending for good (``HandoverRejected``): FAILED, refunded, the profile
  told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update

from portal.core import clock
from portal.core.database import take_sqlite_write_lock
from portal.core.sendings import charges
from portal.core.sendings.models import Sending
from portal.core.sendings.operations.sendings import lock, move
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import (
    Accepted,
    Handover,
    HandoverRejected,
    OperatorUnavailable,
    SendingState,
)
from portal.core.tenants import unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

# A DUE sending claimed longer ago than this and still not handed over (its worker died, its
# job was lost, the operator was down) is claimed again.
STALE_CLAIM = timedelta(minutes=5)


def claim_due(now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """Claim up to ``limit`` sendings to hand over, across tenants: SCHEDULED ones whose due time
    has come, and DUE ones whose claim is older than ``STALE_CLAIM``. Marks them DUE (claimed
    now) in the caller's transaction and returns ``(tenant_id, sending_id)`` pairs, each pair
    given to one caller only while that transaction holds it."""
    moment = now or clock.now()
    take_sqlite_write_lock("sending")
    with unscoped():
        rows = db.session.execute(
            select(Sending.id, Sending.tenant_id, Sending.state)
            .where(
                or_(
                    (Sending.state == SendingState.SCHEDULED)
                    & (Sending.due_at <= moment)
                    & Sending.held_for.is_(None),
                    (Sending.state == SendingState.DUE)
                    & (Sending.claimed_at < moment - STALE_CLAIM),
                )
            )
            .order_by(Sending.due_at, Sending.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        db.session.execute(
            update(Sending)
            .where(Sending.id.in_(ids))
            .values(state=SendingState.DUE, claimed_at=moment)
            .execution_options(synchronize_session=False)
        )
    claimed = [(row.tenant_id, row.id) for row in rows]
    newly_due = [row for row in rows if row.state == SendingState.SCHEDULED]
    if newly_due:
        with unscoped():
            _timeline_due(newly_due, moment)
    return claimed


def _timeline_due(rows, moment: datetime) -> None:
    """The timeline line « due » of each newly claimed sending (one insert for them all)."""
    from portal.core.sendings.models import SendingEvent

    db.session.execute(
        insert(SendingEvent),
        [
            {
                "tenant_id": row.tenant_id,
                "sending_id": row.id,
                "at": moment,
                "recorded_at": moment,
                "state": SendingState.DUE.value,
                "source": "portal",
                "code": None,
                "detail": None,
                "event_id": None,
                "applied": True,
            }
            for row in rows
        ],
    )


def hand_over(sending: Sending, *, locked: bool = False) -> bool:
    """Hand a DUE sending to its operator, once (see the module docstring). True if the sending
    is HANDED_OVER now (by this call or found so at the operator); False if it was not DUE, the
    operator is unavailable (tried again later) or refused it (FAILED). ``locked``: the caller
    loaded the row ``FOR UPDATE`` in this transaction already."""
    if not locked:
        lock(sending)
    if sending.state != SendingState.DUE:
        log.info("sending %s: %s, not handed over again", sending.reference, sending.state)
        return False
    operator = operator_for(sending.channel)
    try:
        # No look-up first: the operator's hand-over is idempotent on the delivery id and says
        # when it held it already (a hand-over that crashed half way: reconciled, not re-sent).
        from portal.core.sendings.operations.sendings import outgoing_documents

        accepted = operator.hand_over(
            Handover(
                delivery_id=sending.delivery_id,
                channel=sending.channel,
                sender=sending.sender_party(),
                recipient=sending.recipient_party(),
                documents=outgoing_documents(sending),
                options=dict(sending.options or {}),
            )
        )
    except OperatorUnavailable as exc:
        # Stays DUE: the sweep claims it again after STALE_CLAIM (nothing was sent).
        log.warning("sending %s: operator unavailable (%s)", sending.reference, exc)
        return False
    except HandoverRejected as exc:
        fail(sending, exc.reason, source=f"operator:{operator.name}")
        return False
    record_handover(sending, accepted, operator.name, reconciled=accepted.existing)
    return True


def record_handover(
    sending: Sending, accepted: Accepted, operator_name: str, *, reconciled: bool = False
) -> None:
    """The operator has the sending: its reference and tracking number, HANDED_OVER (once)."""
    if sending.state != SendingState.DUE:
        return
    sending.operator = operator_name
    sending.operator_ref = accepted.operator_ref
    sending.tracking_number = accepted.tracking_number or sending.tracking_number
    sending.handed_over_at = clock.now()
    move(
        sending,
        SendingState.HANDED_OVER,
        f"operator:{operator_name}",
        code="reconciled" if reconciled else None,
        detail=accepted.operator_ref,
    )


def fail(sending: Sending, reason: str, *, source: str = "portal") -> None:
    """The operator refused the sending for good: FAILED, refunded once."""
    if sending.state != SendingState.DUE:
        return
    move(sending, SendingState.FAILED, source, code="rejected", detail=reason)
    charges.refund_sending(sending)


def reconcile(sending: Sending) -> bool:
    """Staff's manual reconcile: a DUE sending is recorded as handed over if its operator holds
    it (never sent); a handed-over one gets the operator's events again (applied once each).
    True if something was learnt."""
    lock(sending)
    operator = operator_for(sending.channel)
    if sending.state == SendingState.DUE:
        accepted = operator.find(sending.delivery_id)
        if accepted is None:
            return False
        record_handover(sending, accepted, operator.name, reconciled=True)
        return True
    if sending.operator_ref and sending.state in (
        SendingState.HANDED_OVER,
        SendingState.IN_PROGRESS,
    ):
        from portal.core.sendings.operations.events import apply_operator_events

        return bool(
            apply_operator_events(sending.channel, operator.events(sending.operator_ref), "staff")
        )
    return False
