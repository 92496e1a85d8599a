"""The pure rules of a sending's life: its transitions, what an operator's event does to its
state, and « jusqu'à la veille » in the tenant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.core.sendings import rules
from portal.core.sendings.operators.base import TERMINAL_STATES, SendingState

S = SendingState


def test_the_way_of_a_sending_from_draft_to_its_end():
    way = [S.DRAFT, S.VALIDATED, S.SCHEDULED, S.DUE, S.HANDED_OVER, S.IN_PROGRESS, S.DELIVERED]
    for current, new in zip(way, way[1:], strict=False):
        assert rules.can_move(current, new), (current, new)
    assert not rules.can_move(S.DRAFT, S.SCHEDULED)  # validation first (charged)
    assert not rules.can_move(S.SCHEDULED, S.HANDED_OVER)  # claimed first
    assert not rules.can_move(S.DUE, S.CANCELLED)  # it is leaving: too late


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATES))
def test_a_terminal_state_is_never_left(terminal):
    assert all(not rules.can_move(terminal, other) for other in S)
    for other in S:
        assert rules.state_after_event(terminal, other) is None


def test_an_operator_event_moves_forward_only():
    assert rules.state_after_event(S.HANDED_OVER, S.IN_PROGRESS) == S.IN_PROGRESS
    assert rules.state_after_event(S.HANDED_OVER, S.DELIVERED) == S.DELIVERED
    assert rules.state_after_event(S.IN_PROGRESS, S.NOT_CLAIMED) == S.NOT_CLAIMED
    # Late or repeated: kept on the timeline by the caller, the state stays.
    assert rules.state_after_event(S.IN_PROGRESS, S.HANDED_OVER) is None
    assert rules.state_after_event(S.IN_PROGRESS, S.IN_PROGRESS) is None
    # An operator cannot cancel a sending, nor move one still in the portal's hands.
    assert rules.state_after_event(S.HANDED_OVER, S.CANCELLED) is None
    assert rules.state_after_event(S.SCHEDULED, S.DELIVERED) is None


def test_changes_are_allowed_until_the_eve_of_the_due_day_in_the_tenant_time_zone():
    paris = "Europe/Paris"
    # Due 10 December at 00:30 in Paris (9 December 23:30 UTC).
    due = datetime(2026, 12, 9, 23, 30, tzinfo=UTC)
    assert rules.may_change_until_eve(due, datetime(2026, 12, 9, 22, 59, tzinfo=UTC), paris)
    # 9 December 23:05 UTC is already 10 December in Paris: the due day itself.
    assert not rules.may_change_until_eve(due, datetime(2026, 12, 9, 23, 5, tzinfo=UTC), paris)
    assert not rules.may_change_until_eve(due, datetime(2026, 12, 11, 8, 0, tzinfo=UTC), paris)
    # A draft always; a handed-over sending never.
    late = datetime(2027, 1, 1, tzinfo=UTC)
    assert rules.may_change(S.DRAFT, None, late, paris)
    assert not rules.may_change(S.HANDED_OVER, due, datetime(2026, 12, 1, tzinfo=UTC), paris)
    assert rules.may_change(S.SCHEDULED, due, datetime(2026, 12, 1, tzinfo=UTC), paris)
