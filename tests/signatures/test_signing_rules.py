"""The e-signature engine's pure rules: masked numbers, state transitions, whose turn it is,
reminders, the code's resend delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.core.signatures import rules
from portal.core.signatures.models import ProcedureState, SignerState

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+33612345678", "+33 6 •• •• •• 78"),
        ("+33798765432", "+33 7 •• •• •• 32"),
        ("+590690123456", "+590 6 •• •• •• 56"),
        (None, ""),
    ],
)
def test_a_masked_number_shows_the_first_digit_and_the_last_two(number, masked):
    assert rules.mask_mobile(number) == masked


def test_only_an_unfinished_procedure_changes_state():
    assert rules.allowed_transition("created", "ongoing")
    assert rules.allowed_transition("created", "cancelled")
    assert not rules.allowed_transition("created", "signed")
    for final in ("signed", "declined", "expired", "cancelled"):
        assert rules.allowed_transition("ongoing", final)
        for target in ProcedureState:
            assert not rules.allowed_transition(final, target)


def _signers(*states):
    return [
        SimpleNamespace(position=position, state=SignerState(state))
        for position, state in enumerate(states, start=1)
    ]


def test_in_order_only_the_first_signer_not_done_may_sign():
    signers = _signers("signed", "waiting", "waiting")
    assert rules.signer_turn(signers, ordered=True) == [signers[1]]
    assert rules.signer_turn(signers, ordered=False) == signers[1:]
    assert rules.signer_turn(_signers("signed", "signed"), ordered=True) == []
    assert rules.signer_turn(_signers("invited", "declined"), ordered=False) == []


def test_the_reminder_due_is_the_closest_to_the_deadline_not_sent_yet():
    deadline = NOW + timedelta(hours=72)
    assert rules.reminder_due(deadline, NOW, []) is None
    assert rules.reminder_due(deadline, NOW + timedelta(hours=25), []) == "48h"
    assert rules.reminder_due(deadline, NOW + timedelta(hours=25), ["48h"]) is None
    assert rules.reminder_due(deadline, NOW + timedelta(hours=49), ["48h"]) == "24h"
    assert rules.reminder_due(deadline, NOW + timedelta(hours=49), ["48h", "24h"]) is None
    assert rules.reminder_due(deadline, NOW + timedelta(hours=73), []) is None  # too late
    naive = deadline.replace(tzinfo=None)  # as SQLite hands it back
    assert rules.reminder_due(naive, NOW + timedelta(hours=49), []) == "24h"


def test_a_new_code_waits_a_minute_after_the_last_one():
    assert rules.wait_before_resend(None, NOW) == 0
    assert rules.wait_before_resend(NOW, NOW + timedelta(seconds=1)) == 59
    assert rules.wait_before_resend(NOW, NOW + timedelta(seconds=59.5)) == 1
    assert rules.wait_before_resend(NOW.replace(tzinfo=None), NOW + timedelta(seconds=60)) == 0
    assert rules.otp_tries_left(3) == 2
    assert rules.otp_tries_left(7) == 0
