"""Validating a letter and sending it (Resiliation II): the checks, the charge, the core's
sending, the day it leaves, its holds (the first letter's review, the mandate's signature),
changes of date, cancellation and scheduling again.

Every function runs in the caller's transaction (a view or a job commits). Refusals raise
:class:`SendRefused` (a French ``message``, the form ``field`` it belongs next to, an optional
``link``) before anything is written; ``InsufficientCredit`` propagates with nothing changed.

Public: :func:`validate_letter`, :func:`due_time`, :func:`approve_review`,
:func:`cancel_letter_send`, :func:`reschedule_letter`, :func:`schedule_again`,
:func:`mandate_signed`, :func:`mandate_not_signed`, :func:`signature_deadline`,
:func:`qualified_for`, :func:`panel`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from plugins.resiliation import finalizing, pricing, rules
from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, LetterState, MandateKind, Review
from plugins.resiliation.rules import PARIS, Sender, SendType
from portal.core import clock, sendings
from portal.core.database import lock_and_reload, take_sqlite_write_lock
from portal.core.i18n import force_locale
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.sendings import SendingState
from portal.core.sendings.operations.sendings import add_event
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

OWNER = "resiliation"
HOLD_REVIEW = "review"
HOLD_SIGNATURE = "mandate_signature"
HOLD_SEPARATOR = "+"
MANDATE_POSITION = 2  # the letter is document 1, the mandate document 2

CANCELLED_BY_AGENT = _l("Envoi annulé par l'agence.")
UNSIGNED = _l("Le mandat n'a pas été signé par le client avant %(time)s le jour de l'envoi.")


class SendRefused(Exception):
    """A validation or change refused: ``message`` (French) is shown next to ``field`` (None:
    the page); ``link``/``link_label`` point to what solves it (verification, credit…)."""

    def __init__(self, message, field: str | None = None, link: str | None = None, link_label=None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.link = link
        self.link_label = str(link_label) if link_label else None


# --- reading -------------------------------------------------------------------------------------


def _tenant(letter: Letter):
    return tenant_directory().get(letter.tenant_id)


def _settings(letter: Letter):
    return _tenant(letter).settings_for("resiliation")


def _account(letter: Letter):
    from portal.core.accounts.models import Account

    return db.session.get(Account, letter.account_id)


def holds(sending) -> list[str]:
    """What a sending is held for (``review``, ``mandate_signature``), in order."""
    if sending is None or not sending.held_for:
        return []
    return [part for part in sending.held_for.split(HOLD_SEPARATOR) if part]


def sender_identified(letter: Letter) -> bool:
    """The sender's identity is verified: the platform always, the agency when its holder passed
    the strong identity verification."""
    if letter.sender == Sender.PLATFORM:
        return True
    from portal.core.verification import is_strongly_identified

    account = _account(letter)
    return account is not None and is_strongly_identified(account)


def qualified_for(letter: Letter) -> bool:
    """A qualified LRE when both the sender and the recipient are identified (manual §7)."""
    return bool(letter.recipient_identified) and sender_identified(letter)


def qualification(letter: Letter) -> dict:
    """What the confirmation page says about the kind of LRE: ``qualified``, and ``warn`` when
    the recipient is identified and the sender is not (manual §7)."""
    qualified = qualified_for(letter)
    return {
        "qualified": qualified,
        "warn": bool(letter.recipient_identified) and not qualified,
    }


def signature_deadline(letter: Letter) -> datetime | None:
    """The platform/e-signed case: the send day at the tenant's ``platform_signature_cutoff``
    (Paris) — the mandate not signed by then, the send is cancelled."""
    if letter.send_date is None:
        return None
    return rules.platform_signature_deadline(
        letter.send_date, _settings(letter).platform_signature_cutoff
    ).astimezone(PARIS)


def due_time(letter: Letter, now: datetime) -> datetime:
    """When the letter's sending is due: now when its send date is the day a letter validated
    now leaves (``rules.agency_send_day`` with the agency's cut-off, 20:00 Paris, seven days a
    week), else its send date at 00:00 Paris (loi Hamon / RIA: the computed send date; the
    deposit notice is dated the actual send day)."""
    today = rules.agency_send_day(now, _settings(letter).agency_cutoff)
    day = letter.send_date or today
    if day <= today:
        return now
    return datetime.combine(day, time(0, 0)).replace(tzinfo=PARIS)


# --- building the sending ------------------------------------------------------------------------


def _image_as_pdf(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "PDF", resolution=150)
        return out.getvalue()


def _mandate_document(letter: Letter, tenant) -> tuple[sendings.NewDocument | None, bool]:
    """The mandate to attach and whether it is a placeholder to be replaced once signed."""
    from plugins.resiliation.mandates import operations
    from plugins.resiliation.mandates.document import mandate_pdf
    from plugins.resiliation.mandates.models import MandateSource
    from portal.core import uploads
    from portal.core.storage import storage

    row = operations.mandate_of(letter)
    if letter.mandate_kind == MandateKind.HAND_SIGNED and row is not None and row.scan_key:
        data = storage().read(row.scan_key)
        if row.scan_content_type != uploads.PDF.content_type:
            data = _image_as_pdf(data)
        return sendings.NewDocument("mandat-signe.pdf", data), False
    if letter.mandate_kind != MandateKind.ELECTRONIC:
        return None, False
    if letter.mandate_ready_at is not None:
        signed = _signed_mandate(letter)
        if signed is not None:
            return sendings.NewDocument("mandat-signe.pdf", signed), False
    if row is not None and row.source == MandateSource.OWN and row.own_key:
        content = storage().read(row.own_key)
    else:
        content = mandate_pdf(letter, tenant, electronic=True)
    return sendings.NewDocument("mandat.pdf", content), True


def _signed_mandate(letter: Letter) -> bytes | None:
    """The signed PDF of the letter's mandate e-signature (None before it is signed)."""
    from plugins.resiliation.mandates import operations
    from portal.core.signatures.operations.procedures import signed_document_bytes

    procedure = operations.procedure_of(operations.mandate_of(letter))
    if procedure is None or not procedure.documents:
        return None
    document = procedure.documents[0]
    if not document.signed_storage_key:
        return None
    return signed_document_bytes(document)


def _parties(letter: Letter, profile, tenant) -> tuple[sendings.Party, sendings.Party]:
    account = _account(letter)
    identified = sender_identified(letter)
    if letter.sender == Sender.PLATFORM:
        legal = tenant.config.legal
        sender = sendings.Party(
            name=legal.entity,
            email=tenant.config.email.address,
            company=legal.entity,
            identified=identified,
        )
    else:
        email = (getattr(profile, "email", None) or account.email or "").strip()
        name = account.commercial_name or account.holder_name
        sender = sendings.Party(name=name, email=email, company=name, identified=identified)
    recipient = sendings.Party(
        name=letter.recipient_name,
        email=letter.recipient_email or None,
        address_lines=tuple(x for x in (letter.recipient_street, letter.recipient_complement) if x),
        postal_code=letter.recipient_postal_code or "",
        city=letter.recipient_city or "",
        identified=bool(letter.recipient_identified),
    )
    return sender, recipient


def _title(letter: Letter) -> str:
    references = ", ".join(c.reference for c in letter.contracts if c.reference)
    with force_locale("fr"):
        if references:
            return _(
                "Résiliation %(name)s — contrat %(references)s",
                name=letter.subscriber_name,
                references=references,
            )
        return _("Résiliation %(name)s", name=letter.subscriber_name)


def _create_and_validate(letter: Letter, profile, tenant, *, review: bool):
    """The core sending of ``letter``, validated (charged once) and due at :func:`due_time`;
    held for the review and/or the mandate's signature. Raises ``InsufficientCredit`` (nothing
    kept: the savepoint is rolled back) or :class:`SendRefused`."""
    from plugins.resiliation.document import letter_pdf, pdf_filename

    mandate, placeholder = _mandate_document(letter, tenant)

    documents = [sendings.NewDocument(pdf_filename(letter), letter_pdf(letter, tenant=tenant))]
    if mandate is not None:
        documents.append(mandate)
    held = []
    if review:
        held.append(HOLD_REVIEW)
    if placeholder:
        held.append(HOLD_SIGNATURE)
    sender, recipient = _parties(letter, profile, tenant)
    account = _account(letter)
    price = pricing.letter_price(letter, tenant)
    moment = clock.now()
    try:
        with db.session.begin_nested():
            sending = sendings.create_sending(
                account=account,
                profile=profile,
                owner=OWNER,
                channel=sendings.Channel.LRE,
                title=_title(letter),
                documents=documents,
                sender=sender,
                recipient=recipient,
                options={"qualified": bool(sender.identified and recipient.identified)},
                price_lines=[sendings.PriceLine.from_item(price)],
                subject=letter,
                held_for=HOLD_SEPARATOR.join(held) or None,
            )
            sendings.validate_sending(sending, due_at=due_time(letter, moment))
    except sendings.SendingError as refusal:
        raise SendRefused(refusal.message) from None
    return sending


# --- validation ----------------------------------------------------------------------------------


def write_lock() -> None:
    """SQLite: take the write lock before a savepoint opens the transaction (a read snapshot
    that writes later fails when another writer committed meanwhile); PostgreSQL: nothing."""
    take_sqlite_write_lock("resiliation_letter")


def _lock(letter: Letter) -> Letter:
    """Hold the letter's row and read it again: two tabs or a double click validate once."""
    lock_and_reload(letter)
    return letter


def check_may_send(letter: Letter, tenant=None) -> None:
    """The « may this account send? » checklist (credit apart: the charge says it, with the
    link to buy credits): :class:`SendRefused` naming what is missing."""
    from flask import url_for

    from portal.core.verification.readiness import missing_before_sending

    missing = missing_before_sending(_account(letter), tenant or _tenant(letter))
    if missing:
        first = missing[0]
        link = None
        if first.endpoint:
            try:
                link = url_for(first.endpoint)
            except Exception:  # outside a request (a job): no link
                link = None
        raise SendRefused(
            _(
                "Votre compte ne peut pas encore envoyer de lettre : %(missing)s.",
                missing=", ".join(str(item.label) for item in missing),
            ),
            link=link,
            link_label=_("Compléter mon compte"),
        )


def validate_letter(letter: Letter, profile) -> sendings.Sending:
    """« Valider et envoyer »: the checklist enforced (account may send, nothing remains, dates
    confirmed), then the letter's sending created and validated — charged once, whatever the
    double clicks, replayed POSTs or tabs: a letter already validated returns its sending.
    The letter becomes VALIDATED (frozen). An account's first letter waits for the support's
    check; an e-signed mandate not yet signed holds the sending until it is."""
    tenant = _tenant(letter)
    _lock(letter)
    if letter.state in (LetterState.VALIDATED, LetterState.SENT) and letter.sending is not None:
        return letter.sending
    if letter.state == LetterState.CANCELLED:
        raise SendRefused(
            _("L'envoi de cette lettre a été annulé : programmez-le à nouveau pour l'envoyer.")
        )
    check_may_send(letter, tenant)
    if finalizing.remaining(letter):
        raise SendRefused(finalizing.NOT_READY)
    if not finalizing.is_confirmed(letter):
        raise SendRefused(_("Confirmez d'abord les dates de votre lettre."), field="confirm")
    first = finalizing.is_first_letter(letter)
    sending = _create_and_validate(letter, profile, tenant, review=first)
    letter.state = LetterState.VALIDATED
    letter.validated_at = sending.validated_at or clock.now()
    letter.sending_id = sending.id
    letter.sending = sending
    letter.cancelled_at = None
    letter.review = Review.PENDING if first else Review.NONE
    return sending


# --- holds ---------------------------------------------------------------------------------------


def _clear_hold(sending, reason: str) -> None:
    """``reason`` no longer holds the sending; released when nothing else does."""
    current = holds(sending)
    if reason not in current:
        return
    rest = [part for part in current if part != reason]
    if rest:
        sending.held_for = HOLD_SEPARATOR.join(rest)
        add_event(sending, sending.state, "portal", code="released", detail=reason)
        return
    sending.held_for = reason
    sendings.release_held(sending)


def approve_review(letter: Letter, staff_label: str) -> bool:
    """The support checked the account's first letter: its sending is released (still held for
    the mandate's signature if that is awaited). Idempotent; whether it changed anything."""
    if letter.review != Review.PENDING:
        return False
    letter.review = Review.APPROVED
    letter.reviewed_at = clock.now()
    letter.reviewed_by = (staff_label or "")[:200]
    sending = letter.sending
    if sending is not None and sending.state in (SendingState.VALIDATED, SendingState.SCHEDULED):
        _clear_hold(sending, HOLD_REVIEW)
    return True


def mandate_signed(letter: Letter) -> bool:
    """The mandate's e-signature is signed: the held placeholder is replaced by the signed PDF
    and the hold cleared (released unless the review still holds it). Idempotent."""
    sending = letter.sending
    if sending is None or HOLD_SIGNATURE not in holds(sending):
        return False
    if sending.state not in (SendingState.VALIDATED, SendingState.SCHEDULED):
        return False
    signed = _signed_mandate(letter)
    if signed is None:
        return False
    sendings.replace_held_document(
        sending, MANDATE_POSITION, sendings.NewDocument("mandat-signe.pdf", signed)
    )
    _clear_hold(sending, HOLD_SIGNATURE)
    return True


def mandate_not_signed(letter: Letter) -> bool:
    """The mandate will not be signed in time (declined, expired, or the send day's cut-off
    passed): the held send is cancelled and refunded once, the letter CANCELLED, the agent
    emailed. Idempotent; whether it changed anything."""
    sending = letter.sending
    if sending is None or HOLD_SIGNATURE not in holds(sending):
        return False
    if sending.state not in (SendingState.VALIDATED, SendingState.SCHEDULED):
        return False
    cutoff = _settings(letter).platform_signature_cutoff
    with force_locale("fr"):
        reason = str(_l(UNSIGNED) % {"time": cutoff.strftime("%H:%M")})
    sendings.cancel_held(sending, reason)
    letter.state = LetterState.CANCELLED
    letter.cancelled_at = clock.now()
    with tenant_scope(letter.tenant_id):
        enqueue(send_unsigned_notice, letter.id)
    return True


def refuse_review(letter: Letter, staff_label: str, reason: str) -> bool:
    """The support refused the account's first letter (``reason`` says what to put right): its
    held send is cancelled and refunded once, the letter CANCELLED — scheduled again once put
    right —, the agent emailed the reason. Idempotent; whether it changed anything."""
    reason = (reason or "").strip()
    if not reason:
        raise SendRefused(_("Indiquez le motif du refus."), field="reason")
    if letter.review != Review.PENDING:
        return False
    letter.review = Review.REFUSED
    letter.reviewed_at = clock.now()
    letter.reviewed_by = (staff_label or "")[:200]
    sending = letter.sending
    if sending is not None and sending.state in (SendingState.VALIDATED, SendingState.SCHEDULED):
        sendings.cancel_held(sending, reason)
    letter.state = LetterState.CANCELLED
    letter.cancelled_at = clock.now()
    with tenant_scope(letter.tenant_id):
        enqueue(send_review_refused_notice, letter.id, reason[:2000])
    return True


# --- changes -------------------------------------------------------------------------------------


def _changeable_sending(letter: Letter):
    sending = letter.sending
    if letter.state != LetterState.VALIDATED or sending is None:
        raise SendRefused(_("Cette lettre n'a pas d'envoi programmé."))
    return sending


def may_change(letter: Letter) -> bool:
    """Its date may move and its send be cancelled (until the day before it leaves)."""
    sending = letter.sending
    return (
        letter.state == LetterState.VALIDATED
        and sending is not None
        and sending.state in (SendingState.VALIDATED, SendingState.SCHEDULED)
        and sendings.may_change(sending)
    )


def cancel_letter_send(letter: Letter, profile) -> sendings.Sending:
    """« Annuler l'envoi »: until the day before it leaves (:class:`SendRefused` with the
    core's message after); refunded once, the letter CANCELLED. Cancelling again is a no-op."""
    _lock(letter)
    if letter.state == LetterState.CANCELLED and letter.sending is not None:
        return letter.sending
    sending = _changeable_sending(letter)
    try:
        sendings.cancel_sending(sending, str(CANCELLED_BY_AGENT), profile=profile)
    except sendings.TooLateToChange:
        raise SendRefused(
            _(
                "Il est trop tard pour annuler cet envoi : il peut être annulé jusqu'à la "
                "veille de son envoi."
            )
        ) from None
    except sendings.SendingError as refusal:
        raise SendRefused(refusal.message) from None
    letter.state = LetterState.CANCELLED
    letter.cancelled_at = clock.now()
    return sending


def _check_day(letter: Letter, day: date) -> None:
    earliest = rules.agency_send_day(clock.now(), _settings(letter).agency_cutoff)
    if day is None:
        raise SendRefused(_("Indiquez la date d'envoi de votre lettre."), "send_date")
    if day < earliest:
        raise SendRefused(
            _(
                "Choisissez le %(date)s ou une date ultérieure.",
                date=finalizing.short_date(earliest),
            ),
            "send_date",
        )
    last = earliest + timedelta(days=finalizing.MAX_DAYS_AHEAD)
    if day > last:
        raise SendRefused(
            _(
                "Choisissez une date d'envoi au plus tard le %(date)s.",
                date=finalizing.short_date(last),
            ),
            "send_date",
        )


def reschedule_letter(letter: Letter, new_day: date, profile) -> sendings.Sending:
    """« Modifier la date »: the send moves to ``new_day`` (until the day before it leaves)."""
    _lock(letter)
    sending = _changeable_sending(letter)
    _check_day(letter, new_day)
    if not sendings.may_change(sending):
        raise SendRefused(
            _(
                "Il est trop tard pour modifier la date : elle peut être modifiée jusqu'à la "
                "veille de son envoi."
            ),
            "send_date",
        )
    previous = letter.send_date
    letter.send_date = new_day
    due = due_time(letter, clock.now())
    try:
        sendings.reschedule(sending, max(due, clock.now()), profile=profile)
    except sendings.TooLateToChange:
        letter.send_date = previous
        raise SendRefused(
            _(
                "Il est trop tard pour modifier la date : elle peut être modifiée jusqu'à la "
                "veille de son envoi."
            ),
            "send_date",
        ) from None
    except sendings.SendingError as refusal:
        letter.send_date = previous
        raise SendRefused(refusal.message, "send_date") from None
    return sending


def schedule_again(letter: Letter, send_type: SendType | str, day: date, profile):
    """« Programmer à nouveau » a cancelled letter: its content is frozen, the send type chosen
    again; a new sending, charged again (``InsufficientCredit`` propagates, nothing changed)."""
    _lock(letter)
    if letter.state != LetterState.CANCELLED:
        if letter.state == LetterState.VALIDATED and letter.sending is not None:
            return letter.sending  # already scheduled again (a replayed POST)
        raise SendRefused(_("Seule une lettre dont l'envoi a été annulé peut être reprogrammée."))
    try:
        kind = SendType(send_type)
    except ValueError:
        kind = None
    if kind not in pricing.send_types_for(letter):
        raise SendRefused(_("Choisissez le type d'envoi."), "send_type")
    _check_day(letter, day)
    tenant = _tenant(letter)
    check_may_send(letter, tenant)
    previous = (letter.send_type, letter.send_date)
    letter.send_type, letter.send_date = kind, day
    try:
        sending = _create_and_validate(letter, profile, tenant, review=False)
    except Exception:
        letter.send_type, letter.send_date = previous
        raise
    letter.state = LetterState.VALIDATED
    letter.validated_at = sending.validated_at or clock.now()
    letter.sending_id = sending.id
    letter.sending = sending
    letter.cancelled_at = None
    letter.resend_count = (letter.resend_count or 0) + 1
    return sending


# --- the letter page's panel ---------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    letter: Letter
    sending: object
    state: str
    send_day: date | None
    review_pending: bool
    awaiting_signature: bool
    deadline: datetime | None
    may_change: bool
    cancelled: bool
    first_letter_cutoff: time


def panel(letter: Letter) -> Panel | None:
    """What ``sending/_panel.html`` shows (None for a draft: the finalize panel speaks)."""
    if letter.state == LetterState.DRAFT:
        return None
    sending = letter.sending
    held = holds(sending)
    return Panel(
        letter=letter,
        sending=sending,
        state=letter.state,
        send_day=letter.send_date,
        review_pending=HOLD_REVIEW in held,
        awaiting_signature=HOLD_SIGNATURE in held,
        deadline=signature_deadline(letter) if HOLD_SIGNATURE in held else None,
        may_change=may_change(letter),
        cancelled=letter.state == LetterState.CANCELLED,
        first_letter_cutoff=_settings(letter).first_letter_cutoff,
    )


# --- jobs ----------------------------------------------------------------------------------------


def _tell_cancelled(tenant_id: int, letter_id: int, subject_and_why) -> None:
    """Email the managing profile that the letter's send was cancelled and refunded:
    ``subject_and_why(letter)`` gives the subject and the sentence saying why (called in the
    tenant's language)."""
    from portal.core.mail import MailBounced, compose_email, send_email
    from portal.core.mail.rendering import tenant_rendering
    from portal.core.sendings.notifications import profile_address

    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.sending is None:
        return
    tenant = tenant_directory().by_id(tenant_id)
    to, name = profile_address(letter.sending)
    locale = tenant.config.default_locale
    with tenant_rendering(tenant, locale):
        subject, why = subject_and_why(letter)
        paragraphs = [
            _("Bonjour %(name)s,", name=name),
            why,
            _("Le prix de l'envoi a été recrédité sur votre compte."),
            _("Vous pouvez programmer à nouveau cette lettre depuis sa page."),
            _("Lettre n° %(reference)s", reference=letter.reference),
        ]
    message = compose_email(
        tenant,
        "notification",
        to=to,
        subject=subject,
        locale=locale,
        context={"title": subject, "paragraphs": paragraphs},
    )
    try:
        send_email(message)
    except MailBounced:
        log.warning("letter %s: the profile's address %s bounced", letter.reference, to)


@job(queue="default")
def send_unsigned_notice(tenant_id, letter_id):
    """Email the managing profile that the send was cancelled: the mandate was not signed."""

    def unsigned(letter):
        return (
            _("Envoi annulé, mandat non signé : %(name)s", name=letter.subscriber_name),
            _(
                "Votre client n'a pas signé le mandat avant %(time)s le %(date)s : l'envoi de la "
                "lettre de résiliation de %(subscriber)s à %(recipient)s est annulé.",
                time=_settings(letter).platform_signature_cutoff.strftime("%H:%M"),
                date=finalizing.short_date(letter.send_date),
                subscriber=letter.subscriber_name,
                recipient=letter.recipient_name,
            ),
        )

    _tell_cancelled(tenant_id, letter_id, unsigned)


@job(queue="mail")
def send_review_refused_notice(tenant_id, letter_id, reason):
    """Email the managing profile that the support refused the account's first letter."""

    def refused(letter):
        return (
            _("Première lettre à corriger : %(name)s", name=letter.subscriber_name),
            _(
                "Notre équipe a vérifié la première lettre de votre compte, la résiliation de "
                "%(subscriber)s à %(recipient)s, et ne peut pas l'envoyer en l'état : %(reason)s",
                subscriber=letter.subscriber_name,
                recipient=letter.recipient_name,
                reason=reason,
            ),
        )

    _tell_cancelled(tenant_id, letter_id, refused)


@job(queue="default", global_job=True)
def expire_unsigned_mandates(tenant_id=None):
    """Every 5 minutes, a safety net: a send held for a mandate not signed by the send day's
    cut-off is cancelled (refunded once), the letter CANCELLED, the agent emailed."""
    from portal.core.sendings.models import Sending

    moment = clock.now()
    with unscoped():
        rows = list(
            db.session.execute(
                select(Letter.tenant_id, Letter.id)
                .join(Sending, Sending.id == Letter.sending_id)
                .where(
                    Letter.state == LetterState.VALIDATED,
                    Sending.held_for.contains(HOLD_SIGNATURE),
                    Sending.state.in_([SendingState.VALIDATED, SendingState.SCHEDULED]),
                    Letter.send_date <= moment.astimezone(PARIS).date(),
                )
                .order_by(Letter.id)
            )
        )
    for owner_tenant, letter_id in rows:
        with tenant_scope(owner_tenant):
            letter = db.session.get(Letter, letter_id)
            deadline = signature_deadline(letter) if letter is not None else None
            if deadline is not None and moment >= deadline:
                mandate_not_signed(letter)


JOBS: list = [send_unsigned_notice, send_review_refused_notice, expire_unsigned_mandates]
PERIODIC_JOBS: list = [PeriodicJob(job=expire_unsigned_mandates, every=timedelta(minutes=5))]
