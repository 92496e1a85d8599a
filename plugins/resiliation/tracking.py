"""Where a termination letter stands for the agent (« Suivi »): one state among SPEC §4's,
derived from the letter (``state``, ``review``, ``resend_count``), its current sending (``state``,
``held_for``, when it was cancelled) and its mandate; and the legal clock of a registered email
(15 days to accept it, counted from the day after the first notification).

Public: :func:`state_of` (a :class:`Tracking`), :func:`legal_clock` (a :class:`LegalClock` or
None), :func:`timeline` (the sending's events in French, Paris time), :func:`sendings_of` (every
sending of a letter, the re-sent ones included), :data:`PROOF_LABELS`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plugins.resiliation.i18n import _, _l
from portal.core.clock import aware, now
from portal.core.sendings.operators.base import ProofKind, SendingState

PARIS = ZoneInfo("Europe/Paris")
CLAIM_DAYS = 15  # an LRE is made available to its recipient for 15 days
HELD_FOR_MANDATE = "mandate_signature"  # sending.HOLD_SIGNATURE
HOLD_SEPARATOR = "+"  # a sending held for « review+mandate_signature »


def holds(sending) -> list[str]:
    """What the sending is held for (the review, the mandate's signature)."""
    if sending is None or not sending.held_for:
        return []
    return [part for part in sending.held_for.split(HOLD_SEPARATOR) if part]


class Code:
    """The tracking states (SPEC §4 « Tracking states », manual §6 « Suivi »)."""

    NOT_SENT = "not_sent"  # Non envoyée (a draft)
    SCHEDULED = "scheduled"  # Envoi programmé le DATE, géré par X
    MANDATE_TO_SIGN = "mandate_to_sign"  # Signature du mandat à démarrer avant le DATE
    IN_TRANSIT = "in_transit"  # En cours d'acheminement (due, being handed over)
    DEPOSITED = "deposited"  # Déposée (the operator has it; the recipient notified)
    SIGNED = "signed"  # Signée: an LRAR accepted by the recipient
    PICKED_UP = "picked_up"  # Relevée: an LR received
    REFUSED = "refused"  # Refusée par le destinataire
    NOT_CLAIMED = "not_claimed"  # not picked up within the 15 days (not re-sent)
    RESENT = "resent"  # not picked up within the 15 days, then re-sent
    CANCELLED = "cancelled"  # Annulée (its send cancelled, refunded)
    CANCELLED_UNSIGNED = "cancelled_unsigned"  # Non envoyée — annulée / mandat non signé
    SIGNATURE_EXPIRED = "signature_expired"  # Non envoyée — délai de signature dépassé
    FAILED = "failed"  # Envoi en échec (the operator could not send it)


@dataclass(frozen=True)
class Tracking:
    """A letter's tracking state: ``code`` (:class:`Code`), its French ``label``, a ``detail``
    sentence (may be empty) and a ``tone`` for the badge (``neutral``, ``info``, ``success``,
    ``warning``, ``danger``)."""

    code: str
    label: str
    detail: str = ""
    tone: str = "neutral"


@dataclass(frozen=True)
class LegalClock:
    """An LRE's availability: notified on ``notified_on`` (Paris), the recipient may accept it
    until ``last_day`` included; ``days_left`` (0 once over); ``closes_at`` (UTC) is midnight after
    the last day, when negligence is established."""

    notified_on: date
    last_day: date
    closes_at: datetime
    days_left: int
    open: bool


PROOF_LABELS = {
    ProofKind.DEPOSIT: _l("Avis de dépôt"),
    ProofKind.NOTIFICATION: _l("Preuve de notification au destinataire"),
    ProofKind.ACCEPTANCE: _l("Accusé de réception"),
    ProofKind.REFUSAL: _l("Preuve de refus"),
    ProofKind.NEGLIGENCE: _l("Avis de non-réclamation (délai de 15 jours dépassé)"),
    ProofKind.DELIVERY: _l("Preuve de distribution"),
    ProofKind.RETURN: _l("Avis de retour"),
    ProofKind.AR_SCAN: _l("Avis de réception signé"),
}

_EVENT_LABELS = {
    SendingState.DRAFT: _l("Envoi préparé"),
    SendingState.VALIDATED: _l("Envoi validé et payé"),
    SendingState.SCHEDULED: _l("Envoi programmé"),
    SendingState.DUE: _l("Envoi en cours de remise à l'opérateur"),
    SendingState.HANDED_OVER: _l("Lettre déposée chez l'opérateur de recommandé électronique"),
    SendingState.IN_PROGRESS: _l("Destinataire avisé : la lettre est mise à sa disposition"),
    SendingState.DELIVERED: _l("Lettre acceptée par le destinataire"),
    SendingState.REFUSED: _l("Lettre refusée par le destinataire"),
    SendingState.NOT_CLAIMED: _l("Lettre non relevée dans le délai de 15 jours"),
    SendingState.RETURNED: _l("Lettre retournée"),
    SendingState.FAILED: _l("Envoi en échec"),
    SendingState.CANCELLED: _l("Envoi annulé"),
}
_CODE_LABELS = {
    "held": _l("Envoi annulé avant la signature du mandat"),
    "document_completed": _l("Mandat signé joint à la lettre"),
    "resiliation-resent": _l("Lettre renvoyée au destinataire (nouvel envoi, sans frais)"),
}
_RELEASED_LABELS = {
    "review": _l("Premier envoi du compte vérifié par notre équipe"),
    "mandate_signature": _l("Mandat signé par le souscripteur : la lettre peut partir"),
}
# Lines this plugin writes on the sending's timeline when it emails someone (see ``events``).
MAIL_LABELS = {
    "subscriber_deposit": _l("Copie de la lettre et avis de dépôt envoyés au souscripteur"),
    "subscriber_receipt": _l("Accusé de réception envoyé au souscripteur"),
    "former_manager": _l("Copie de la lettre envoyée à l'ancien gérant du contrat"),
    "profile_resent": _l("Gestionnaire prévenu du renvoi de la lettre"),
}


def _day(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        moment = aware(moment).astimezone(PARIS).date()
    return moment.strftime("%d/%m/%Y")


def paris(moment: datetime | None) -> datetime | None:
    """A stored moment in Paris time."""
    return aware(moment).astimezone(PARIS) if moment is not None else None


# --- The legal clock -----------------------------------------------------------------------------


def first_notification(sending) -> datetime | None:
    """When the recipient was first notified (the first IN_PROGRESS event of an LRE)."""
    if sending is None:
        return None
    for event in sending.events:
        if event.state == SendingState.IN_PROGRESS:
            return aware(event.at)
    return None


def clock_from(notified_at: datetime, today: date | None = None) -> LegalClock:
    """The 15 days counted from the day after ``notified_at`` (Paris), as the operator counts
    them: the recipient may accept until the 15th day included, midnight after it closes."""
    notified_on = aware(notified_at).astimezone(PARIS).date()
    first_day = notified_on + timedelta(days=1)
    last_day = first_day + timedelta(days=CLAIM_DAYS - 1)
    closes_at = datetime.combine(last_day + timedelta(days=1), time(0), PARIS)
    today = today or now().astimezone(PARIS).date()
    left = CLAIM_DAYS if today < first_day else max(0, (last_day - today).days + 1)
    return LegalClock(notified_on, last_day, aware(closes_at), left, left > 0)


def legal_clock(letter, today: date | None = None) -> LegalClock | None:
    """The legal clock of the letter's current sending, once its recipient was notified."""
    notified = first_notification(letter.sending)
    if notified is None:
        return None
    clock = clock_from(notified, today)
    if letter.sending.is_terminal:
        return LegalClock(clock.notified_on, clock.last_day, clock.closes_at, 0, False)
    return clock


# --- The tracking state --------------------------------------------------------------------------


def _manager(letter) -> str:
    from portal.core.accounts.models import Profile
    from portal.extensions import db

    if letter.managed_by_id is None:
        return ""
    profile = db.session.get(Profile, letter.managed_by_id)
    return profile.name if profile is not None else ""


def _signature_deadline(letter) -> datetime | None:
    from plugins.resiliation.mandates.operations import esign_deadline
    from portal.core.tenants import tenant_directory

    if letter.send_date is None:
        return None
    tenant = tenant_directory().get(letter.tenant_id)
    return esign_deadline(letter, tenant)


def _cancelled_at(sending) -> datetime | None:
    for event in reversed(sending.events):
        if event.state == SendingState.CANCELLED:
            return aware(event.at)
    return aware(sending.completed_at or sending.last_event_at)


def _last_detail(sending, state) -> str:
    for event in reversed(sending.events):
        if event.state == state and event.detail:
            return event.detail
    return ""


def _scheduled(letter, sending, manager: str | None) -> Tracking:
    due = paris(sending.due_at) if sending is not None and sending.due_at else None
    day = _day(due) if due else (_day(letter.send_date) if letter.send_date else "")
    name = _manager(letter) if manager is None else manager
    if day and name:
        label = _("Envoi programmé le %(date)s, géré par %(name)s", date=day, name=name)
    elif day:
        label = _("Envoi programmé le %(date)s", date=day)
    else:
        label = _("Envoi programmé")
    detail = ""
    if letter.review == "pending":
        detail = _("Premier envoi du compte : notre équipe vérifie la lettre avant son départ.")
    return Tracking(Code.SCHEDULED, label, detail, "info")


def _cancelled(letter, sending, detailed: bool = True) -> Tracking:
    if HELD_FOR_MANDATE in holds(sending):
        deadline = _signature_deadline(letter)
        when = _cancelled_at(sending) if detailed else aware(sending.completed_at)
        if deadline is not None and when is not None and when >= deadline:
            return Tracking(
                Code.SIGNATURE_EXPIRED,
                _("Non envoyée — délai de signature dépassé"),
                _(
                    "Le souscripteur n'a pas signé le mandat avant le %(date)s : l'envoi est "
                    "annulé et remboursé.",
                    date=_day(deadline),
                ),
                "danger",
            )
        return Tracking(
            Code.CANCELLED_UNSIGNED,
            _("Non envoyée — annulée / mandat non signé"),
            _("Envoi annulé avant la signature du mandat, et remboursé."),
            "neutral",
        )
    return Tracking(Code.CANCELLED, _("Annulée"), _("Envoi annulé et remboursé."), "neutral")


def state_of(letter, *, manager: str | None = None, detailed: bool = True) -> Tracking:
    """The letter's tracking state in French. ``manager``: the managing profile's name when the
    caller already has it (else it is looked up for « géré par »). ``detailed=False`` never
    reads the sending's timeline (lists and exports: the same label, the legal clock's
    sentence left out of ``detail``)."""
    from plugins.resiliation.models import LetterState
    from plugins.resiliation.rules import SendType

    sending = letter.sending
    state = sending.state if sending is not None else None
    resent = (letter.resend_count or 0) > 0

    if letter.state == LetterState.DRAFT and state is None:
        return Tracking(Code.NOT_SENT, _("Non envoyée"), "", "neutral")
    if state == SendingState.FAILED:
        detail = sending.cancel_reason or ""
        if detailed and not detail:
            detail = _last_detail(sending, SendingState.FAILED)
        return Tracking(Code.FAILED, _("Envoi en échec"), detail, "danger")
    if letter.state == LetterState.CANCELLED or state == SendingState.CANCELLED:
        return _cancelled(letter, sending, detailed)
    if state is None or state in (
        SendingState.DRAFT,
        SendingState.VALIDATED,
        SendingState.SCHEDULED,
    ):
        if HELD_FOR_MANDATE in holds(sending):
            deadline = _signature_deadline(letter)
            if deadline is not None:
                label = _("Signature du mandat à démarrer avant le %(date)s", date=_day(deadline))
            else:
                label = _("Signature du mandat à démarrer")
            return Tracking(
                Code.MANDATE_TO_SIGN,
                label,
                _("La lettre partira dès que le souscripteur aura signé le mandat."),
                "warning",
            )
        due = aware(sending.due_at) if sending is not None else None
        if (
            due is not None
            and due <= now()
            and state == SendingState.SCHEDULED
            and not holds(sending)
        ):
            return Tracking(Code.IN_TRANSIT, _("En cours d'acheminement"), "", "info")
        return _scheduled(letter, sending, manager)
    if state == SendingState.DUE:
        return Tracking(Code.IN_TRANSIT, _("En cours d'acheminement"), "", "info")
    resent_detail = (
        _("Renvoyée après une première mise à disposition non relevée dans le délai de 15 jours.")
        if resent
        else ""
    )
    if state in (SendingState.HANDED_OVER, SendingState.IN_PROGRESS):
        if resent:
            return Tracking(
                Code.RESENT,
                _(
                    "Non relevée par le destinataire dans le délai de 15 jours de mise à "
                    "disposition, puis renvoyée"
                ),
                "",
                "warning",
            )
        clock = legal_clock(letter) if detailed else None
        detail = ""
        if clock is not None:
            detail = _(
                "Le destinataire a jusqu'au %(date)s pour l'accepter.", date=_day(clock.last_day)
            )
        return Tracking(Code.DEPOSITED, _("Déposée"), detail, "info")
    if state == SendingState.DELIVERED:
        if letter.send_type == SendType.LR:
            return Tracking(Code.PICKED_UP, _("Relevée"), resent_detail, "success")
        return Tracking(Code.SIGNED, _("Signée"), resent_detail, "success")
    if state == SendingState.REFUSED:
        return Tracking(Code.REFUSED, _("Refusée par le destinataire"), resent_detail, "danger")
    if state == SendingState.NOT_CLAIMED:
        return Tracking(
            Code.NOT_CLAIMED,
            _("Non relevée par le destinataire dans le délai de 15 jours de mise à disposition"),
            resent_detail,
            "danger",
        )
    return Tracking(Code.FAILED, _("Envoi en échec"), "", "danger")  # returned (paper only)


# --- The timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A line of the letter's timeline: when (Paris), what happened (French), the operator's
    own code (kept discreetly)."""

    at: datetime
    text: str
    code: str
    applied: bool


def sendings_of(letter) -> list:
    """Every sending of the letter (the first, the re-sent and the rescheduled ones), oldest
    first."""
    from sqlalchemy import select

    from portal.core.sendings.models import Sending
    from portal.extensions import db

    if letter.id is None:
        return []
    rows = list(
        db.session.scalars(
            select(Sending)
            .where(
                Sending.owner == "resiliation",
                Sending.subject_type == "Letter",
                Sending.subject_id == letter.id,
            )
            .order_by(Sending.id)
        )
    )
    if letter.sending is not None and letter.sending not in rows:
        rows.append(letter.sending)
    return rows


def timeline(sending) -> list[Line]:
    """The sending's events, in French, Paris time: the portal's line and the operator's own
    report of the same state are one line (the operator's code kept on it); repeated operator
    events are left out."""
    lines: list[Line] = []
    index: dict[tuple, int] = {}
    for event in sending.events:
        mail = (event.code or "").removeprefix("resiliation-mail-")
        if event.code == "released":
            text = _RELEASED_LABELS.get(event.detail or "", _l("La lettre peut partir"))
        elif mail != (event.code or "") and mail in MAIL_LABELS:
            text = MAIL_LABELS[mail]
        else:
            text = _CODE_LABELS.get(event.code or "")
        state_line = text is None
        if state_line:
            text = _EVENT_LABELS.get(event.state, str(event.state))
        code = "" if event.source == "portal" else (event.code or "")
        key = (event.state, str(text))
        if state_line and key in index:
            found = lines[index[key]]
            if code and not found.code:
                lines[index[key]] = Line(found.at, found.text, code, found.applied)
            continue
        if state_line and not event.applied:
            continue
        if state_line:
            index[key] = len(lines)
        lines.append(Line(paris(event.at), str(text), code, event.applied))
    return lines


PROOF_ORDER = [
    ProofKind.DEPOSIT,
    ProofKind.NOTIFICATION,
    ProofKind.ACCEPTANCE,
    ProofKind.REFUSAL,
    ProofKind.NEGLIGENCE,
    ProofKind.DELIVERY,
    ProofKind.AR_SCAN,
    ProofKind.RETURN,
]


def ordered_proofs(sending) -> list:
    """The sending's proofs in the order of the letter's life (deposit, notification, then the
    recipient's answer)."""

    def rank(proof):
        kind = proof.kind
        position = PROOF_ORDER.index(kind) if kind in PROOF_ORDER else len(PROOF_ORDER)
        return (position, proof.id)

    return sorted(sending.proofs, key=rank)
