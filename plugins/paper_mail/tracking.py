"""Where a mail stands for the agent (the list's « État » and « Suivi postal », SPEC §5): its
list state from the mail (« Création », « Programmé le … », « Transmis le … », « Posté le … »,
« Annulé »), and what the post did from its sending's timeline — the printer's codes verbatim
(Maileva's ``ACCEPTED``, ``PROCESSED``, ``A01`` « Pris en charge »…), since the core tells the
plugin the operator's intermediate state once only, whatever the printer's steps.

Public: :func:`status_of` (a :class:`MailStatus`), :func:`posted_on` (the day La Poste took it,
from ``A01``), :func:`proofs_of` (:class:`MailProof` rows), :func:`proof_of`,
:data:`PROOF_LABELS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from plugins.paper_mail import rules
from plugins.paper_mail.i18n import _, _l
from plugins.paper_mail.models import MailState, PaperMail
from portal.core.clock import aware
from portal.core.sendings.operators.base import ProofKind, SendingState

POSTED_CODE = "A01"  # Maileva « Pris en charge »: La Poste has it (deposit proof)

PROOF_LABELS = {
    ProofKind.DEPOSIT: _l("Preuve de dépôt"),
    ProofKind.DELIVERY: _l("Preuve de distribution"),
    ProofKind.RETURN: _l("Avis de retour"),
    ProofKind.AR_SCAN: _l("Avis de réception signé"),
}

# What the printer's last code means for the agent while the letter travels (BeePOST's
# production states: reçu, en impression, déposé à La Poste, distribué, non distribué).
_CODE_LABELS = {
    "ACCEPTED": _l("Reçu par l'imprimeur"),
    "PROCESSED": _l("Imprimé et mis sous pli"),
    "A01": _l("En cours d'acheminement"),
    "P01": _l("En attente de retrait au bureau de poste"),
    "P03": _l("Délai d'instance dépassé : retour en cours"),
    "A26": _l("Non distribuable : retour en cours"),
    "A18": _l("Refusé par le destinataire : retour en cours"),
    "P04": _l("Refusé par le destinataire : retour en cours"),
    "D01": _l("Distribué"),
}
_OUTCOME_LABELS = {
    SendingState.DELIVERED: _l("Distribué"),
    SendingState.REFUSED: _l("Retourné : refusé par le destinataire"),
    SendingState.NOT_CLAIMED: _l("Retourné : non réclamé"),
    SendingState.RETURNED: _l("Retourné : NPAI"),
}
NPAI_CODES = frozenset({"N02", "N10", "A26"})


@dataclass(frozen=True)
class MailStatus:
    """A mail's line in the list. ``state``: a ``MailState`` value (``posted`` as soon as the
    printer says La Poste has it); ``label``: « Programmé le 04/11/2020 »…; ``on``: the day
    it names; ``postal``: the post's news (None before the printer has it);
    ``tracking_number``/``tracking_url`` for the tracked modes; ``return_reason``: why it came
    back (« N'habite pas à l'adresse indiquée (NPAI) »); ``outcome``: the sending's final state
    once there is one (``delivered``, ``returned``…)."""

    state: str
    label: str
    on: date | None = None
    postal: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    return_reason: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class MailProof:
    """A proof of a mail's sending, for the « Preuves » links (``id`` is the sending proof's)."""

    id: int
    kind: str
    label: str
    filename: str
    received_at: datetime


def _paris_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return aware(moment).astimezone(rules.PARIS).date()


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _operator_events(sending) -> list:
    """The printer's events on the sending's timeline, in the order they happened."""
    if sending is None:
        return []
    return [e for e in sending.events if e.event_id and e.code]


def posted_on(sending) -> date | None:
    """The day (Paris) La Poste took the mail, from the printer's ``A01``; None before."""
    for event in _operator_events(sending):
        if event.code == POSTED_CODE:
            return _paris_day(event.at)
    return None


def _tracking(mail: PaperMail, sending) -> tuple[str | None, str | None]:
    try:
        tracked = rules.MODES[rules.Mode(mail.mode)].tracked
    except ValueError:
        tracked = False
    number = sending.tracking_number if sending is not None and tracked else None
    return number, (rules.TRACKING_URL.format(number=number) if number else None)


def _postal(sending) -> tuple[str | None, str | None, str | None]:
    """(postal label, return reason, outcome) from the sending's state and the printer's
    last code."""
    if sending is None:
        return None, None, None
    state = SendingState(sending.state)
    events = _operator_events(sending)
    if state in _OUTCOME_LABELS:
        reason = None
        if state != SendingState.DELIVERED:
            last = events[-1] if events else None
            reason = (last.detail if last is not None else None) or sending.cancel_reason
        label = _OUTCOME_LABELS[state]
        if state == SendingState.RETURNED and not any(e.code in NPAI_CODES for e in events):
            label = _l("Retourné à l'expéditeur")
        return str(label), reason, state.value
    if state == SendingState.FAILED:
        reason = next(
            (e.detail for e in reversed(sending.events) if e.state == SendingState.FAILED), None
        )
        return str(_l("Refusé par l'imprimeur")), reason, state.value
    if state not in (SendingState.HANDED_OVER, SendingState.IN_PROGRESS):
        return None, None, None
    label = None
    for event in events:
        label = _CODE_LABELS.get(event.code, label)
    return str(label or _l("Reçu par l'imprimeur")), None, None


def status_of(mail: PaperMail) -> MailStatus:
    """The mail's list state and postal tracking (see :class:`MailStatus`)."""
    sending = mail.sending
    number, url = _tracking(mail, sending)
    postal, reason, outcome = _postal(sending)
    extra = {
        "postal": postal,
        "tracking_number": number,
        "tracking_url": url,
        "return_reason": reason,
        "outcome": outcome,
    }
    if mail.state == MailState.DRAFT:
        return MailStatus(MailState.DRAFT, _("Création"))
    if mail.state == MailState.CANCELLED:
        return MailStatus(MailState.CANCELLED, _("Annulé"), _paris_day(mail.cancelled_at))
    if mail.state == MailState.FAILED:
        return MailStatus(MailState.FAILED, _("Non envoyé : refusé par l'imprimeur"), **extra)
    posted = mail.posted_on or posted_on(sending)
    if posted is not None:
        return MailStatus(
            MailState.POSTED, _("Posté le %(day)s", day=_day(posted)), posted, **extra
        )
    transmitted = _paris_day(mail.transmitted_at)
    if transmitted is None and mail.send_on is None:
        # Sent now: it goes to the printer within the minute.
        transmitted = _paris_day(mail.validated_at)
    if mail.state == MailState.TRANSMITTED or transmitted is not None:
        day = transmitted or _paris_day(sending.handed_over_at if sending else None)
        label = _("Transmis le %(day)s", day=_day(day)) if day else _("Transmis")
        return MailStatus(MailState.TRANSMITTED, label, day, **extra)
    day = mail.send_on
    label = _("Programmé le %(day)s", day=_day(day)) if day else _("Programmé")
    return MailStatus(MailState.SCHEDULED, label, day, **extra)


def proofs_of(mail: PaperMail) -> list[MailProof]:
    """The proofs the printer issued for the mail (deposit, delivery, return, signed AR), in
    the order received; kept for the tenant's proof retention, after the contents are gone."""
    sending = mail.sending
    if sending is None:
        return []
    rows = []
    for proof in sending.proofs:
        try:
            label = str(PROOF_LABELS[ProofKind(proof.kind)])
        except (KeyError, ValueError):
            label = proof.kind
        rows.append(MailProof(proof.id, proof.kind, label, proof.filename, proof.received_at))
    return rows


def proof_of(mail: PaperMail, proof_id: int):
    """The mail's sending proof ``proof_id`` (a ``SendingProof``), or None when it is not one
    of this mail's (another mail's id is not found)."""
    sending = mail.sending
    if sending is None:
        return None
    return next((proof for proof in sending.proofs if proof.id == proof_id), None)
