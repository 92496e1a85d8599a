"""Finalising a letter (« Finaliser l'envoi de la lettre »): what remains before it can be
finalised, the send type and the dates chosen, and the agent's confirmation of those dates.

The dates follow :mod:`plugins.resiliation.rules` (never restated here): for loi Hamon and RIA
the agent picks the new contracts' effective date (or « Au plus tôt ») and the send date is
computed; for the other reasons the agent picks the send date, today or later. The earliest send
day is the day a letter validated now leaves (after the tenant's cut-off in Paris time, today is
gone). Views call these functions, then the pipeline commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from babel.dates import format_time
from sqlalchemy import exists, select

from plugins.resiliation import pricing, rules
from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, LetterState
from plugins.resiliation.rules import Sender, SendType
from portal.core import clock
from portal.core.i18n import format_date
from portal.core.tenants import current_tenant
from portal.extensions import db

# Farthest a send date may be chosen, from the earliest send day.
MAX_DAYS_AHEAD = 366

CLOSED = _l("Cette lettre est validée : son type d'envoi et ses dates ne changent plus.")
NOT_READY = _l(
    "Cette lettre ne peut pas encore être envoyée : terminez d'abord ce qui reste à faire."
)


class Refused(Exception):
    """A choice refused; ``str()`` is the French message, ``field`` the form field it belongs
    next to (None: the whole form), ``nearest`` the reachable dates offered instead."""

    def __init__(self, message: str, field: str | None = None, nearest: list[date] | None = None):
        super().__init__(message)
        self.field = field
        self.nearest = list(nearest or [])


@dataclass(frozen=True)
class Plan:
    """How and when a letter goes: its send type, its send date and, for loi Hamon / RIA, the
    new contracts' effective date (``as_early_as_possible``: the earliest, recomputed until the
    letter is validated)."""

    send_type: SendType
    send_date: date
    effective_date: date | None
    as_early_as_possible: bool


def short_date(day: date | None) -> str:
    """« 21/06/2021 », the form dates are typed in."""
    return format_date(day, "dd/MM/yyyy") if day else ""


# --- what remains --------------------------------------------------------------------------------


def remaining(letter: Letter) -> list[str]:
    """What the agent still has to do before finalising ``letter`` (French sentences; empty
    when it may be finalised): a contract, and the mandate side settled."""
    items = []
    if not letter.contracts:
        items.append(_("Ajouter au moins un contrat à cette lettre"))
    items.extend(_mandate_remaining(letter))
    return items


def _mandate_remaining(letter: Letter) -> list[str]:
    from plugins.resiliation import mandates

    readiness = getattr(mandates, "readiness", None)
    if readiness is not None:
        return [str(item) for item in readiness(letter) or []]
    if letter.mandate_ready_at is None:
        return [_("Ajouter et joindre un mandat de résiliation, ou choisir de ne pas le joindre")]
    return []


def check_finalizable(letter: Letter) -> None:
    """Raise :class:`Refused` when ``letter`` may not be finalised (validated, or things remain)."""
    if not letter.editable:
        raise Refused(str(CLOSED))
    if remaining(letter):
        raise Refused(str(NOT_READY))


# --- the dates -----------------------------------------------------------------------------------


def settings():
    return current_tenant().settings_for("resiliation")


def cutoff_for(letter: Letter) -> time:
    """The hour (Paris) after which a letter validated today no longer leaves today: the
    agency's cut-off, or for the platform the time the client must have signed the mandate by."""
    tenant_settings = settings()
    if letter.sender == Sender.PLATFORM:
        return tenant_settings.platform_signature_cutoff
    return tenant_settings.agency_cutoff


def cutoff_label(letter: Letter) -> str:
    from portal.core.i18n import _locale

    return format_time(cutoff_for(letter), "short", locale=_locale())


def paris_today() -> date:
    return clock.now().astimezone(rules.PARIS).date()


def earliest_send_day(letter: Letter) -> date:
    """The first day ``letter`` can leave if validated now."""
    return rules.agency_send_day(clock.now(), cutoff_for(letter))


def dated_by_effect(letter: Letter) -> bool:
    """Loi Hamon / RIA: the agent chooses the new contracts' effective date."""
    return letter.reason in rules.DATED_BY_EFFECT


def send_type_for(letter: Letter, send_type: SendType | str | None) -> SendType:
    """``send_type`` if the letter may go that way, else the first it may (the platform: LRAR)."""
    allowed = pricing.send_types_for(letter)
    try:
        chosen = SendType(send_type) if send_type else None
    except ValueError:
        chosen = None
    return chosen if chosen in allowed else allowed[0]


def plan_earliest(letter: Letter, send_type: SendType | str | None = None) -> Plan:
    """« Au plus tôt » (« Aujourd'hui » for the other reasons): the earliest send day."""
    send = earliest_send_day(letter)
    effective = rules.effective_date_for_send_date(send) if dated_by_effect(letter) else None
    return Plan(send_type_for(letter, send_type or letter.send_type), send, effective, True)


def plan_for_effective_date(
    letter: Letter, effective: date, send_type: SendType | str | None = None
) -> Plan:
    """Loi Hamon / RIA: the plan whose new contracts start on ``effective``; :class:`Refused`
    (field ``effective_date``, with the nearest reachable dates) when no send date gives it."""
    earliest = earliest_send_day(letter)
    first_effective = rules.effective_date_for_send_date(earliest)
    last = rules.effective_date_for_send_date(earliest + timedelta(days=MAX_DAYS_AHEAD))
    if effective > last:
        raise Refused(
            _(
                "Choisissez une date de prise d'effet au plus tard le %(date)s.",
                date=short_date(last),
            ),
            "effective_date",
        )
    try:
        send = rules.send_date_for_effective_date(effective, earliest)
    except rules.NoSendDate as refusal:
        nearest = sorted(d for d in refusal.nearest if first_effective <= d <= last)
        if effective < first_effective:
            message = _(
                "Trop tôt : une lettre envoyée le %(send)s donne au plus tôt une prise d'effet "
                "le %(date)s.",
                send=short_date(earliest),
                date=short_date(first_effective),
            )
            nearest = nearest or [first_effective]
        else:
            message = _(
                "Aucune date d'envoi ne donne une prise d'effet le %(date)s (la résiliation "
                "prend effet un mois après la notification, date à date). Choisissez l'une des "
                "dates les plus proches :",
                date=short_date(effective),
            )
        raise Refused(message, "effective_date", nearest) from None
    return Plan(send_type_for(letter, send_type or letter.send_type), send, effective, False)


def plan_for_send_date(letter: Letter, send: date, send_type: SendType | str | None = None) -> Plan:
    """The other reasons: the plan sending on ``send`` (the earliest send day or later);
    :class:`Refused` (field ``send_date``) for a past day or one too far."""
    earliest = earliest_send_day(letter)
    if send < earliest:
        if send < paris_today():
            message = _(
                "Cette date est passée : choisissez le %(date)s ou une date ultérieure.",
                date=short_date(earliest),
            )
        else:
            message = _(
                "Après %(cutoff)s, une lettre ne part plus le jour même : choisissez le %(date)s "
                "ou une date ultérieure.",
                cutoff=cutoff_label(letter),
                date=short_date(earliest),
            )
        raise Refused(message, "send_date")
    last = earliest + timedelta(days=MAX_DAYS_AHEAD)
    if send > last:
        raise Refused(
            _("Choisissez une date d'envoi au plus tard le %(date)s.", date=short_date(last)),
            "send_date",
        )
    return Plan(send_type_for(letter, send_type or letter.send_type), send, None, False)


def current_plan(letter: Letter) -> Plan | None:
    """The plan the letter holds (None before a send date was chosen); « Au plus tôt »
    recomputed for now."""
    if letter.as_early_as_possible:
        return plan_earliest(letter, letter.send_type)
    if letter.send_date is None:
        return None
    effective = letter.effective_date if dated_by_effect(letter) else None
    return Plan(send_type_for(letter, letter.send_type), letter.send_date, effective, False)


def is_stale(letter: Letter, plan: Plan) -> bool:
    """Whether the plan's send date has gone by (chosen dates are never moved silently)."""
    return plan.send_date < earliest_send_day(letter)


def choose(letter: Letter, plan: Plan) -> bool:
    """Store ``plan`` on the letter (refused with :class:`Refused` when it may not be
    finalised). A change of type or dates withdraws an earlier confirmation. Whether it changed."""
    check_finalizable(letter)
    values = {
        "send_type": plan.send_type,
        "send_date": plan.send_date,
        # « Au plus tôt »: no date of its own, the earliest is recomputed until validation.
        "effective_date": None if plan.as_early_as_possible else plan.effective_date,
        "as_early_as_possible": plan.as_early_as_possible,
    }
    changed = any(getattr(letter, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(letter, name, value)
        letter.dates_confirmed_at = None
    return changed


def unconfirm(letter: Letter) -> None:
    """Withdraw the confirmation of the dates (what the letter costs or when it goes changed)."""
    letter.dates_confirmed_at = None


def confirm(letter: Letter) -> Plan:
    """« Je confirme ces dates et je suis responsable de ce choix »: the letter's dates are
    confirmed now; refused when it may not be finalised, has no dates or they have gone by."""
    check_finalizable(letter)
    plan = current_plan(letter)
    if plan is None:
        raise Refused(_("Choisissez d'abord le type d'envoi et la date de votre lettre."))
    if is_stale(letter, plan):
        raise Refused(_("La date d'envoi choisie est passée : choisissez-en une nouvelle."))
    if plan.as_early_as_possible:
        letter.send_date = plan.send_date
    letter.send_type = plan.send_type
    letter.dates_confirmed_at = clock.now()
    return plan


def is_confirmed(letter: Letter) -> bool:
    """The dates were confirmed and still hold."""
    if letter.dates_confirmed_at is None:
        return False
    plan = current_plan(letter)
    return plan is not None and not is_stale(letter, plan)


def is_first_letter(letter: Letter) -> bool:
    """No letter of the account has been validated yet (its first is checked by the support)."""
    validated = select(Letter.id).where(
        Letter.account_id == letter.account_id, Letter.state != LetterState.DRAFT
    )
    return not db.session.scalar(select(exists(validated)))


# --- the letter page's panel -------------------------------------------------------------------


def panel(letter: Letter) -> dict:
    """What ``finalize/_panel.html`` shows on the letter page."""
    if not letter.editable:
        return {"editable": False}
    items = remaining(letter)
    confirmed = not items and is_confirmed(letter)
    info = {"editable": True, "remaining": items, "confirmed": confirmed}
    if confirmed:
        plan = current_plan(letter)
        info.update(
            plan=plan,
            dated_by_effect=dated_by_effect(letter),
            price=pricing.letter_price(letter, current_tenant(), plan.send_type),
        )
    return info
