"""Pure rules of a sending's life: which state may follow which, what an operator's event does
to the state, and until when a scheduled sending may be moved or cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.core.sendings.operators.base import TERMINAL_STATES, SendingState

S = SendingState

TRANSITIONS: dict[SendingState, frozenset[SendingState]] = {
    S.DRAFT: frozenset({S.VALIDATED, S.CANCELLED}),
    S.VALIDATED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DUE, S.CANCELLED}),
    # DUE: handed over, or refused for good by the operator; an operator's event may arrive
    # first when the portal crashed after the operator took it (reconciled).
    S.DUE: frozenset({S.HANDED_OVER, S.FAILED}),
    S.HANDED_OVER: frozenset(
        {S.IN_PROGRESS, S.DELIVERED, S.REFUSED, S.NOT_CLAIMED, S.RETURNED, S.FAILED}
    ),
    S.IN_PROGRESS: frozenset({S.DELIVERED, S.REFUSED, S.NOT_CLAIMED, S.RETURNED, S.FAILED}),
    **{state: frozenset() for state in TERMINAL_STATES},  # a terminal state is never left
}

# The states an operator's event may name, and their order along the way: an event naming an
# earlier state than the sending's is late (kept on the timeline, the state does not go back).
OPERATOR_STATES = (S.HANDED_OVER, S.IN_PROGRESS)
_RANK = {S.DUE: 0, S.HANDED_OVER: 1, S.IN_PROGRESS: 2, **{s: 3 for s in TERMINAL_STATES}}

# What the operator's states of a sending may be once it left the portal.
AT_OPERATOR = frozenset({S.HANDED_OVER, S.IN_PROGRESS})
# What a scheduled sending may still be changed in (date, cancellation).
CHANGEABLE = frozenset({S.VALIDATED, S.SCHEDULED})
# The states the managing profile is emailed about.
NOTIFIED = frozenset({S.HANDED_OVER, S.DELIVERED, S.REFUSED, S.NOT_CLAIMED, S.RETURNED, S.FAILED})


def can_move(current: SendingState, new: SendingState) -> bool:
    return SendingState(new) in TRANSITIONS[SendingState(current)]


def state_after_event(current: SendingState, event_state: SendingState) -> SendingState | None:
    """The sending's state once an operator's event naming ``event_state`` is applied, or None
    when the event changes nothing (a terminal sending, a late or repeated intermediate event,
    a state no operator may set: it is only recorded on the timeline)."""
    current, event_state = SendingState(current), SendingState(event_state)
    if current in TERMINAL_STATES or event_state == S.CANCELLED:
        return None
    if event_state not in _RANK or current not in _RANK:
        return None
    if _RANK[event_state] <= _RANK[current]:
        return None  # late or repeated
    return event_state


def local_day(moment: datetime, timezone: str) -> date:
    if moment.tzinfo is None:  # SQLite gives naive UTC datetimes
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def may_change_until_eve(due_at: datetime, now: datetime, timezone: str) -> bool:
    """« jusqu'à la veille » : a scheduled sending may be moved or cancelled until the end of the
    day before its due day, in the tenant's time zone; not on the day itself nor later."""
    return local_day(now, timezone) < local_day(due_at, timezone)


def may_change(state: SendingState, due_at: datetime | None, now: datetime, timezone: str) -> bool:
    """A draft always; a validated or scheduled sending until the eve of its due day."""
    state = SendingState(state)
    if state == S.DRAFT:
        return True
    if state not in CHANGEABLE or due_at is None:
        return False
    return may_change_until_eve(due_at, now, timezone)


def proof_evidence_kind(channel: str, proof_kind: str) -> str:
    """The evidence archive's kind of an operator's proof: ``lre_deposit``, ``paper_ar_scan``…"""
    return f"{channel}_{proof_kind}"
