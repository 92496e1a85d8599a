"""Pure rules of the sandbox LRE operator: scenarios, qualified or simple, the 15-day clock,
AR24's status words and what each means to the portal."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.core.clock import aware
from portal.core.sendings.operators.base import ProofKind, SendingState

# The operator's clock is French law's: days are counted in Paris time.
OPERATOR_ZONE = ZoneInfo("Europe/Paris")
CLAIM_DAYS = 15

# AR24's words for a registered email's status (its webhook's ``new_state``).
WAITING = "waiting"  # deposited, the notification not yet sent (proof of deposit: dp)
SENT = "sent"  # the recipient was notified (proof of sending: ev)
ACCEPTED = "AR"  # accepted by the identified recipient (accusé de réception)
REFUSED = "refused"
NEGLIGENCE = "negligence"  # not claimed within 15 days
BOUNCED = "bounced"  # the notification could not be delivered

STATE_OF = {
    WAITING: SendingState.HANDED_OVER,
    SENT: SendingState.IN_PROGRESS,
    ACCEPTED: SendingState.DELIVERED,
    REFUSED: SendingState.REFUSED,
    NEGLIGENCE: SendingState.NOT_CLAIMED,
    BOUNCED: SendingState.FAILED,
}
PROOF_OF = {
    WAITING: ProofKind.DEPOSIT,
    SENT: ProofKind.NOTIFICATION,
    ACCEPTED: ProofKind.ACCEPTANCE,
    REFUSED: ProofKind.REFUSAL,
    NEGLIGENCE: ProofKind.NEGLIGENCE,
}
FINAL = frozenset({ACCEPTED, REFUSED, NEGLIGENCE, BOUNCED})

# Deterministic scenarios, chosen by a "+word" in the recipient's email's local part.
ACCEPT = "accepte"  # accepted as soon as notified
REFUSE = "refuse"  # refused as soon as notified
NEGLECT = "neglige"  # never acted upon: negligence after the 15 days
DOWN = "panne"  # hand_over raises OperatorUnavailable
REJECT = "rejet"  # hand_over raises HandoverRejected
SCENARIOS = (ACCEPT, REFUSE, NEGLECT, DOWN, REJECT)


def scenario_of(email: str | None) -> str:
    """The scenario a recipient's address asks for ("" = the recipient acts on the page)."""
    local = (email or "").partition("@")[0].lower()
    tags = local.split("+")[1:]
    for tag in tags:
        if tag in SCENARIOS:
            return tag
    return ""


def is_qualified(sender_identified: bool, recipient_identified: bool, wanted: bool = True) -> bool:
    """A qualified (eIDAS) LRE needs both ends identified strongly (SPEC §2, manual §7); else
    the letter goes as a simple LRE."""
    return bool(wanted and sender_identified and recipient_identified)


def claim_deadline(notified_at: datetime) -> datetime:
    """The end of the 15 days counted from the day after the first notification: midnight
    (Paris) after the 15th day, as a UTC instant. Negligence is established from then."""
    first_day = aware(notified_at).astimezone(OPERATOR_ZONE).date() + timedelta(days=1)
    end = datetime.combine(first_day + timedelta(days=CLAIM_DAYS), time(0), OPERATOR_ZONE)
    return end.astimezone(UTC)


def same_name(typed: str, expected: str) -> bool:
    """The recipient's typed name matches the one the sender gave (case, accents and spaces
    aside: "Élodie  martin" is "Elodie Martin")."""
    return _plain(typed) == _plain(expected) and bool(_plain(typed))


def _plain(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().replace("-", " ").split())
