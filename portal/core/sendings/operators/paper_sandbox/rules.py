"""Pure rules of the postal printer sandbox: which scenario a recipient's address asks for, the
tracking number of a mode, the French postal calendar, and the plan of a print job's steps with
their moments (Maileva's codes verbatim, BeePOST's production states)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.core.calendar import add_business_days, business_day_on_or_after
from portal.core.sendings.operators.base import Party, ProofKind, SendingState
from portal.core.sendings.operators.paper_sandbox.models import PrintStatus

PARIS = ZoneInfo("Europe/Paris")

MODES = ("ecopli", "lettre_verte", "lettre_suivie", "recommande", "recommande_ar")
REGISTERED = frozenset({"recommande", "recommande_ar"})
TRACKED = frozenset({"lettre_suivie", "recommande", "recommande_ar"})
# Business days from the post's pick-up to the recipient's door.
TRANSIT_DAYS = {
    "ecopli": 4,
    "lettre_verte": 2,
    "lettre_suivie": 1,
    "recommande": 1,
    "recommande_ar": 1,
}
PRINTING_DELAY = timedelta(hours=1)  # printed and put in its envelope the same day
POSTED_AT = time(9, 0)  # handed to La Poste at the morning pick-up of the next business day
SAME_DAY_PICKUP = time(15, 0)  # the afternoon pick-up, for a letter promised that very day
DELIVERED_AT = time(11, 0)  # the postman's round
RETURN_DAYS = 2  # a returned letter, or a signed AR card, reaches the printer's scanning desk
HOLDING_DAYS = 15  # délai d'instance: a registered letter waits at the post office

# Scenarios (chosen by words in the recipient's name, company or address lines).
NORMAL = "normal"
NPAI = "npai"
REFUSED = "refused"
NOT_CLAIMED = "not_claimed"
DOWN = "down"
REJECTED = "rejected"
SCENARIO_WORDS = (("PANNE", DOWN), ("NPAI", NPAI), ("REFUS", REFUSED), ("INSTANCE", NOT_CLAIMED))
REJECTED_POSTAL_CODE = "00000"

# Maileva's sending statuses and delivery codes used here, with their French labels verbatim.
LABELS = {
    "ACCEPTED": "Envoi accepté : réceptionné par l'imprimeur",
    "PROCESSED": "Envoi traité : imprimé et mis sous pli",
    "A01": "Pris en charge",
    "A26": "Retourné à l'expéditeur",
    "A18": "Non distribuable - refus",
    "P01": "Attend d'être retiré au guichet",
    "P03": "Retourné à l'expéditeur pour cause de dépassement de délai d'instance",
    "P04": "Retour à l'expéditeur - refus",
    "D01": "Distribué",
    "N01": "AR Signé : RAR distribué",
    "N02": "PND (Pli Non Distribuable) pour une LR",
    "N03": "Non réclamé",
    "N04": "Décédé",
    "N05": "Refusé",
    "N06": "Impossibilité de signer",
    "N07": "Adresse incomplète",
    "N08": "Refus détérioré",
    "N09": "Régime international",
    "N10": "PND (Pli Non Distribuable) pour un courrier",
}
NPAI_REASON = "N'habite pas à l'adresse indiquée (NPAI)"

# What each of the printer's statuses means to the portal.
PORTAL_STATES = {
    PrintStatus.RECEIVED: SendingState.IN_PROGRESS,
    PrintStatus.PRINTING: SendingState.IN_PROGRESS,
    PrintStatus.POSTED: SendingState.IN_PROGRESS,
    PrintStatus.AWAITING_PICKUP: SendingState.IN_PROGRESS,
    PrintStatus.DISTRIBUTED: SendingState.IN_PROGRESS,
    PrintStatus.DELIVERED: SendingState.DELIVERED,
    PrintStatus.RETURNED: SendingState.RETURNED,
    PrintStatus.REFUSED: SendingState.REFUSED,
    PrintStatus.NOT_CLAIMED: SendingState.NOT_CLAIMED,
}


def scenario_of(recipient: Party) -> str:
    """The scenario a recipient asks for (see the package's docstring)."""
    if recipient.postal_code.strip() == REJECTED_POSTAL_CODE:
        return REJECTED
    words = " ".join([recipient.name, recipient.company or "", *recipient.address_lines]).upper()
    for word, scenario in SCENARIO_WORDS:
        if word in words:
            return scenario
    return NORMAL


def address_problem(recipient: Party) -> str | None:
    """Why the printer refuses this address (Maileva's checks), or None."""
    if recipient.postal_code.strip() == REJECTED_POSTAL_CODE:
        return "Adresse rejetée : le code postal 00000 n'existe pas."
    if not recipient.name.strip() and not (recipient.company or "").strip():
        return "Adresse rejetée : le destinataire n'a pas de nom."
    if not any(line.strip() for line in recipient.address_lines):
        return "Adresse rejetée : la ligne d'adresse n°1 ou n°2 doit être renseignée."
    if recipient.country == "FR" and not (
        len(recipient.postal_code.strip()) == 5 and recipient.postal_code.strip().isdigit()
    ):
        return "Adresse rejetée : le code postal doit avoir 5 chiffres."
    if not recipient.city.strip():
        return "Adresse rejetée : la ville manque."
    return None


def tracking_number(delivery_id: str, mode: str) -> str | None:
    """La Poste's 13-character number: ``1A`` + 11 digits for a registered letter, ``1L`` for a
    tracked one (derived from the delivery id, so a repeated hand-over gets the same)."""
    if mode not in TRACKED:
        return None
    digits = str(int(hashlib.sha256(delivery_id.encode()).hexdigest(), 16))[-11:].rjust(11, "0")
    return ("1A" if mode in REGISTERED else "1L") + digits


# --- The postal calendar -----------------------------------------------------------------------
# One French business-day calendar for the portal's promises and the printer's rounds: the
# ``holidays`` library's, through :mod:`portal.core.calendar`.


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=PARIS)


# --- The plan of a print job -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    code: str
    status: PrintStatus
    at: datetime
    detail: str = ""
    proof: ProofKind | None = None

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "status": self.status.value,
            "at": self.at.isoformat(),
            "detail": self.detail,
            "proof": self.proof.value if self.proof else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> Step:
        return cls(
            data["code"],
            PrintStatus(data["status"]),
            datetime.fromisoformat(data["at"]),
            data.get("detail") or "",
            ProofKind(data["proof"]) if data.get("proof") else None,
        )


def label(code: str) -> str:
    return LABELS.get(code, code)


def plan(
    received_at: datetime,
    mode: str,
    scenario: str,
    step_seconds: float | None,
    post_on: date | None = None,
) -> list[Step]:
    """The steps after ``ACCEPTED``, each with its moment: on the postal calendar, or every
    ``step_seconds`` from ``received_at`` when a demo asks for speed. ``post_on``: the day the
    portal promised the agent (``options["post_on"]``): the letter is posted at that day's
    pick-up (the afternoon one when it is the day it was received), or the next business day's
    when that day is not one or the letter is printed too late; without it, at the next business
    day's morning pick-up."""
    registered = mode in REGISTERED
    printed = received_at + PRINTING_DELAY
    received_day = received_at.astimezone(PARIS).date()
    if post_on is None:
        posted_day = add_business_days(received_day, 1)
        posted = _at(posted_day, POSTED_AT)
    else:  # the day promised, never before the letter is printed
        posted_day = business_day_on_or_after(max(post_on, received_day))
        posted = _at(posted_day, SAME_DAY_PICKUP if posted_day == received_day else POSTED_AT)
        if posted < printed:
            posted_day = add_business_days(posted_day, 1)
            posted = _at(posted_day, POSTED_AT)
    arrival_day = add_business_days(posted_day, TRANSIT_DAYS.get(mode, 2))
    arrival = _at(arrival_day, DELIVERED_AT)
    back = _at(add_business_days(arrival_day, RETURN_DAYS), DELIVERED_AT)
    steps = [
        Step("PROCESSED", PrintStatus.PRINTING, printed),
        Step("A01", PrintStatus.POSTED, posted, proof=ProofKind.DEPOSIT),
    ]
    if scenario == NPAI:
        steps += [
            Step("A26", PrintStatus.POSTED, arrival, NPAI_REASON),
            Step(
                "N02" if registered else "N10",
                PrintStatus.RETURNED,
                back,
                NPAI_REASON,
                ProofKind.RETURN,
            ),
        ]
    elif scenario == REFUSED:
        steps += [
            Step("P04" if registered else "A18", PrintStatus.POSTED, arrival),
            Step("N05", PrintStatus.REFUSED, back, "Refusé par le destinataire", ProofKind.RETURN),
        ]
    elif scenario == NOT_CLAIMED:
        returned_day = arrival_day + timedelta(days=HOLDING_DAYS)
        steps += [
            Step(
                "P01",
                PrintStatus.AWAITING_PICKUP,
                arrival,
                "Avisé : pli en instance au bureau de poste",
            ),
            Step("P03", PrintStatus.AWAITING_PICKUP, _at(returned_day, DELIVERED_AT)),
            Step(
                "N03",
                PrintStatus.NOT_CLAIMED,
                _at(add_business_days(returned_day, RETURN_DAYS), DELIVERED_AT),
                "Non réclamé dans le délai d'instance de 15 jours",
                ProofKind.RETURN,
            ),
        ]
    elif mode == "recommande_ar":
        # Distributed, then the signed AR card comes back and is scanned: only then is it done.
        steps += [
            Step(
                "D01",
                PrintStatus.DISTRIBUTED,
                arrival,
                "Distribué contre signature",
                ProofKind.DELIVERY,
            ),
            Step("N01", PrintStatus.DELIVERED, back, proof=ProofKind.AR_SCAN),
        ]
    else:
        proof = ProofKind.DELIVERY if mode in TRACKED else None
        steps.append(Step("D01", PrintStatus.DELIVERED, arrival, proof=proof))
    if step_seconds is not None:
        steps = [
            Step(
                s.code,
                s.status,
                received_at + timedelta(seconds=step_seconds * (n + 1)),
                s.detail,
                s.proof,
            )
            for n, s in enumerate(steps)
        ]
    return steps
