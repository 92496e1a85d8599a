"""Pure rules of the e-signature engine: the SMS code's limits, masked numbers, which state may
follow which, whose turn it is, which reminder is due."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from portal.core.clock import aware
from portal.core.signatures.models import FINAL_STATES, ProcedureState, SignerState

OTP_LENGTH = 6
OTP_VALIDITY = timedelta(minutes=10)
OTP_MAX_TRIES = 5
OTP_RESEND_AFTER = timedelta(seconds=60)
OTP_MAX_SENDS = 5

_TRANSITIONS = {
    ProcedureState.CREATED: {ProcedureState.ONGOING, ProcedureState.CANCELLED},
    ProcedureState.ONGOING: {
        ProcedureState.SIGNED,
        ProcedureState.DECLINED,
        ProcedureState.EXPIRED,
        ProcedureState.CANCELLED,
    },
}


def allowed_transition(current: str, target: str) -> bool:
    """Whether a procedure in state ``current`` may move to ``target``; a final state is final."""
    current, target = ProcedureState(current), ProcedureState(target)
    if current in FINAL_STATES:
        return False
    return target in _TRANSITIONS.get(current, set())


def mask_mobile(number: str | None) -> str:
    """``"+33612345678"`` → ``"+33 6 •• •• •• 78"``: enough to recognise one's own phone."""
    if not number:
        return ""
    digits = number.lstrip("+")
    for code in ("590", "594", "596", "262", "33"):
        if digits.startswith(code):
            national = digits[len(code) :]
            break
    else:
        code, national = "", digits
    if len(national) < 4:
        return number
    hidden = len(national) - 3  # the first digit and the last two stay
    pairs = " ".join("••" for _ in range(hidden // 2))
    middle = ("•" + " " if hidden % 2 else "") + pairs
    prefix = f"+{code} " if code else "+"
    return f"{prefix}{national[0]} {middle} {national[-2:]}".replace("  ", " ")


def signer_turn(signers: Sequence, ordered: bool) -> list:
    """The signers who may sign now: every one not done yet, or, in order, the first of them.

    A signer is done once signed; a declined signer ends the procedure (nobody's turn)."""
    if any(signer.state == SignerState.DECLINED for signer in signers):
        return []
    waiting = [signer for signer in signers if signer.state != SignerState.SIGNED]
    if ordered:
        waiting = sorted(waiting, key=lambda signer: signer.position)[:1]
    return waiting


def reminder_due(
    deadline: datetime, now: datetime, sent_keys: Iterable[str], hours: Sequence[int] = (48, 24)
) -> str | None:
    """The key (``"48h"``) of the reminder to send now, if any: the closest to the deadline of
    those whose time has come and that were not sent yet. Nothing after the deadline."""
    deadline = aware(deadline)
    if now >= deadline:
        return None
    sent = set(sent_keys)
    due = [h for h in hours if now >= deadline - timedelta(hours=h)]
    if not due:
        return None
    key = f"{min(due)}h"
    return None if key in sent else key


def otp_tries_left(attempts: int) -> int:
    return max(OTP_MAX_TRIES - attempts, 0)


def wait_before_resend(sent_at: datetime | None, now: datetime) -> int:
    """Whole seconds to wait before another code may be sent (0: now)."""
    if sent_at is None:
        return 0
    left = (aware(sent_at) + OTP_RESEND_AFTER - now).total_seconds()
    return max(math.ceil(left), 0)
