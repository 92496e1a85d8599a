"""What a letter's sending reaching a state does to the letter, its subscriber, the former
manager and the managing profile (issue 16, points 4 and 7).

:func:`sending_state_changed` runs from the core's job that tells each state reached once
(``on_sending_state_changed``); it is idempotent all the same (a failing hook retries its job):

- handed over → the letter is SENT; its current sending cancelled, or failed before it left
  (refunded) → the letter is CANCELLED (it may be scheduled again);
- the subscriber gets, in the agent's name (From: the agency's name, Reply-To: the managing
  profile), the copy of the letter with the deposit notice once deposited, then the
  acknowledgement once accepted (LRAR) or picked up (LR);
- the former manager (``letter.former_manager_email``) gets the copy of the letter once it is
  picked up / accepted, once for the letter;
- not claimed within the 15 days → the letter is re-sent once (a new sending of the same
  documents, not charged again: ``letter.resend_count``, the new one as ``letter.sending``) and
  the managing profile told. The core emails the profile the other news (sent, accepted,
  refused, not claimed, failed): nothing here repeats them.

The emails leave from a job queued in the hook's transaction (a rolled-back hook queues
nothing): :func:`send_tracking_mails` locks the sending, sends what is due in order (the deposit
before the acknowledgement) and writes each on the sending's timeline (``event_id``
``resiliation-mail-<kind>``, unique per sending): a second or retried job sends nothing again."""

from __future__ import annotations

import logging
from email.headerregistry import Address

from sqlalchemy import select

from plugins.resiliation.i18n import _
from plugins.resiliation.models import Letter, LetterState
from plugins.resiliation.rules import SendType
from portal.core import clock
from portal.core.jobs import enqueue, job
from portal.core.sendings.models import Sending, SendingEvent
from portal.core.sendings.operators.base import ProofKind, SendingState
from portal.extensions import db

log = logging.getLogger(__name__)

OWNER = "resiliation"
MAIL_PREFIX = "resiliation-mail-"
RESENT_EVENT = "resiliation-resent"

SUBSCRIBER_DEPOSIT = "subscriber_deposit"  # the copy of the letter and the deposit notice
SUBSCRIBER_RECEIPT = "subscriber_receipt"  # the acknowledgement (LRAR) / picked up (LR)
FORMER_MANAGER = "former_manager"  # the copy of the letter, once picked up
PROFILE_RESENT = "profile_resent"  # the managing profile: not claimed, re-sent
KINDS = (SUBSCRIBER_DEPOSIT, SUBSCRIBER_RECEIPT, FORMER_MANAGER, PROFILE_RESENT)

DEPOSITED = frozenset(
    {
        SendingState.HANDED_OVER,
        SendingState.IN_PROGRESS,
        SendingState.DELIVERED,
        SendingState.REFUSED,
        SendingState.NOT_CLAIMED,
    }
)


def letter_of(sending: Sending) -> Letter | None:
    """The letter a sending of this plugin is about (in the current tenant)."""
    if sending.owner != OWNER or sending.subject_type != "Letter" or sending.subject_id is None:
        return None
    return db.session.get(Letter, sending.subject_id)


def _has_line(sending: Sending, event_id: str) -> bool:
    return (
        db.session.scalar(
            select(SendingEvent.id).where(
                SendingEvent.sending_id == sending.id, SendingEvent.event_id == event_id
            )
        )
        is not None
    )


def _proofs(sending: Sending, kind: ProofKind) -> list:
    return [proof for proof in sending.proofs if proof.kind == kind]


def sending_state_changed(tenant, sending, state) -> None:
    """``sending`` (this plugin's) reached ``state``: the letter follows (idempotent)."""
    letter = letter_of(sending)
    if letter is None:
        return
    state = SendingState(state)
    current = letter.sending_id == sending.id

    left = state in DEPOSITED or (state == SendingState.FAILED and sending.handed_over_at)
    if current and left and letter.state == LetterState.VALIDATED:
        letter.state = LetterState.SENT
    # Cancelled, or failed before it left (refused by the operator: refunded): the letter may be
    # scheduled again, its content frozen.
    never_left = state == SendingState.FAILED and sending.handed_over_at is None
    if (
        current
        and (state == SendingState.CANCELLED or never_left)
        and letter.state == LetterState.VALIDATED
    ):
        letter.state = LetterState.CANCELLED
        letter.cancelled_at = letter.cancelled_at or clock.now()

    if current and sending.state == SendingState.NOT_CLAIMED and not letter.resend_count:
        resend(letter, sending)
    if due_mails(letter, sending):
        enqueue(send_tracking_mails, sending.id)


def due_mails(letter: Letter, sending: Sending) -> list[str]:
    """The emails about ``sending`` due now and not sent yet, in the order they must leave."""
    kinds = []
    # Deposited: the deposit notice comes with the operator's first event; once the recipient
    # is notified (or later) the email leaves in any case.
    deposited = sending.state in DEPOSITED or (
        sending.state == SendingState.FAILED and sending.handed_over_at is not None
    )
    if deposited and (
        _proofs(sending, ProofKind.DEPOSIT) or sending.state != SendingState.HANDED_OVER
    ):
        kinds.append(SUBSCRIBER_DEPOSIT)
    if sending.state == SendingState.DELIVERED:
        kinds.append(SUBSCRIBER_RECEIPT)
        if letter.former_manager_email and not _former_manager_told(letter):
            kinds.append(FORMER_MANAGER)
    if _has_line(sending, RESENT_EVENT):
        kinds.append(PROFILE_RESENT)
    return [kind for kind in kinds if not _has_line(sending, MAIL_PREFIX + kind)]


def _former_manager_told(letter: Letter) -> bool:
    """The former manager got the letter's copy (from any of its sendings)."""
    return (
        db.session.scalar(
            select(SendingEvent.id)
            .join(Sending, Sending.id == SendingEvent.sending_id)
            .where(
                Sending.owner == OWNER,
                Sending.subject_type == "Letter",
                Sending.subject_id == letter.id,
                SendingEvent.event_id == MAIL_PREFIX + FORMER_MANAGER,
            )
            .limit(1)
        )
        is not None
    )


def resend(letter: Letter, previous: Sending) -> Sending | None:
    """« Non relevée … puis renvoyée »: a new sending of the same documents to the same
    recipient, due now, not charged again; the letter's ``sending`` becomes the new one and the
    managing profile is told. Once per letter (``resend_count``); None when already done."""
    from portal.core import sendings
    from portal.core.accounts.models import Account, Profile
    from portal.core.sendings.operations.sendings import add_event, lock

    lock(previous)
    if letter.resend_count or _has_line(previous, RESENT_EVENT):
        return None
    account = db.session.get(Account, previous.account_id)
    profile = db.session.get(Profile, previous.profile_id) if previous.profile_id else None
    documents = [
        sendings.NewDocument(document.filename, document.content)
        for document in sendings.outgoing_documents(previous)
    ]
    again = sendings.create_sending(
        account=account,
        profile=profile,
        owner=OWNER,
        channel=previous.channel,
        title=previous.title,
        documents=documents,
        sender=previous.sender_party(),
        recipient=previous.recipient_party(),
        options=dict(previous.options or {}),
        price_lines=[],  # re-sent at no charge: the first sending was paid
        subject=letter,
    )
    sendings.validate_sending(again)
    add_event(
        previous,
        previous.state,
        "portal",
        code=RESENT_EVENT,
        detail=again.reference,
        event_id=RESENT_EVENT,
    )
    letter.resend_count = (letter.resend_count or 0) + 1
    letter.sending_id = again.id
    letter.sending = again
    return again


# --- the emails ----------------------------------------------------------------------------------


def _manager_profile(letter: Letter, sending: Sending):
    from portal.core.accounts.models import Profile

    for profile_id in (letter.managed_by_id, sending.profile_id):
        if profile_id is None:
            continue
        profile = db.session.get(Profile, profile_id)
        if profile is not None and profile.active and profile.email:
            return profile
    return None


def _letter_document(sending: Sending):
    """The letter's PDF as sent (the sending's first document) as an attachment."""
    from portal.core.mail.compose import Attachment
    from portal.core.storage import storage

    document = next(iter(sending.documents), None)
    if document is None:
        return None
    return Attachment(document.filename, storage().read(document.storage_key), "application/pdf")


def _proof_attachments(sending: Sending, kind: ProofKind) -> list:
    from portal.core.mail.compose import Attachment
    from portal.core.sendings import proof_bytes

    files = []
    for proof in _proofs(sending, kind):
        try:
            files.append(Attachment(proof.filename, proof_bytes(proof), "application/pdf"))
        except LookupError:
            log.warning("sending %s: proof %s is gone", sending.reference, proof.id)
    return files


def _paragraphs(rendered: str) -> list[str]:
    """A rendered ``resiliation/emails/*.html`` as plain paragraphs (its first is the title)."""
    import html

    text = html.unescape(str(rendered))
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def compose(letter: Letter, sending: Sending, kind: str, tenant):
    """The email ``kind`` about ``letter`` (its subject, recipients, title and paragraphs from
    ``resiliation/emails/<kind>.html``, attachments), in the tenant's language; None when it has
    no one to go to."""
    from flask import render_template

    from plugins.resiliation import tracking
    from portal.core.accounts.models import Account
    from portal.core.mail import compose_email
    from portal.core.mail.rendering import tenant_rendering
    from portal.core.sendings.notifications import profile_address

    account = db.session.get(Account, letter.account_id)
    agency = account.display_name if account is not None else tenant.name
    profile = _manager_profile(letter, sending)
    reply_to = profile.email if profile is not None else (account.email if account else None)
    locale = tenant.config.default_locale
    lrar = letter.send_type == SendType.LRAR
    attachments = []
    if kind == SUBSCRIBER_DEPOSIT:
        to = letter.email
        letter_file = _letter_document(sending)
        attachments = [letter_file] if letter_file else []
        attachments += _proof_attachments(sending, ProofKind.DEPOSIT)
    elif kind == SUBSCRIBER_RECEIPT:
        to = letter.email
        attachments = _proof_attachments(sending, ProofKind.ACCEPTANCE)
    elif kind == FORMER_MANAGER:
        to = letter.former_manager_email
        letter_file = _letter_document(sending)
        attachments = [letter_file] if letter_file else []
    else:
        to, _name = profile_address(sending)
    if not to:
        return None
    handed = tracking.paris(sending.handed_over_at)
    accepted = tracking.paris(sending.completed_at)
    again = letter.sending if kind == PROFILE_RESENT else None
    from plugins.resiliation.mandates.document import CIVILITIES

    if letter.civility in CIVILITIES:  # « Bonjour Monsieur Dupont, »
        greeting = f"{CIVILITIES[letter.civility]} {letter.last_name}"
    else:
        greeting = f"{letter.first_name} {letter.last_name}".strip()
    context = {
        "agency": agency,
        "letter": letter,
        "greeting": greeting,
        "subscriber": letter.subscriber_name,
        "insurer": letter.recipient_name,
        "contracts": ", ".join(c.reference for c in letter.contracts),
        "client_reference": letter.client_reference,
        "reference": letter.reference,
        "lrar": lrar,
        "deposited_on": handed.strftime("%d/%m/%Y") if handed else "",
        "deposited_at": handed.strftime("%H:%M") if handed else "",
        "received_on": accepted.strftime("%d/%m/%Y") if accepted else "",
        "proof_count": len(attachments) - (1 if kind == SUBSCRIBER_DEPOSIT else 0),
        "new_reference": again.reference if again is not None else "",
    }
    with tenant_rendering(tenant, locale):
        subjects = {
            SUBSCRIBER_DEPOSIT: _(
                "Votre résiliation auprès de %(insurer)s est envoyée : copie de la lettre et "
                "avis de dépôt",
                insurer=letter.recipient_name,
            ),
            SUBSCRIBER_RECEIPT: (
                _(
                    "Votre résiliation auprès de %(insurer)s : accusé de réception",
                    insurer=letter.recipient_name,
                )
                if lrar
                else _(
                    "Votre résiliation auprès de %(insurer)s a été relevée",
                    insurer=letter.recipient_name,
                )
            ),
            FORMER_MANAGER: _(
                "Résiliation du contrat de %(subscriber)s auprès de %(insurer)s",
                subscriber=letter.subscriber_name,
                insurer=letter.recipient_name,
            ),
            PROFILE_RESENT: _(
                "Lettre renvoyée : résiliation de %(subscriber)s auprès de %(insurer)s",
                subscriber=letter.subscriber_name,
                insurer=letter.recipient_name,
            ),
        }
        subject = subjects[kind]
        title, *paragraphs = _paragraphs(
            render_template(f"resiliation/emails/{kind}.html", **context)
        )
    message = compose_email(
        tenant,
        "notification",
        to=to,
        subject=subject,
        locale=locale,
        reply_to=reply_to,
        attachments=attachments,
        context={"title": title, "paragraphs": paragraphs},
    )
    if kind != PROFILE_RESENT:
        # In the agent's name: the agency's name, the tenant's sending address.
        address = tenant.config.email.address
        del message["From"]
        message["From"] = Address(display_name=agency, addr_spec=address)
    return message


@job(queue="mail")
def send_tracking_mails(tenant_id, sending_id):
    """The letter's emails due about a sending, in order, each once: the sending is locked, each
    email sent is written on its timeline (``resiliation-mail-<kind>``); a second job, a retried
    one or one that waited on the lock finds them there and sends nothing again."""
    from portal.core.database import take_sqlite_write_lock
    from portal.core.mail import MailBounced, send_email
    from portal.core.sendings.operations.sendings import add_event
    from portal.core.tenants import tenant_directory

    take_sqlite_write_lock("sending")
    sending = db.session.get(Sending, sending_id, with_for_update=True, populate_existing=True)
    if sending is None:
        return
    letter = letter_of(sending)
    if letter is None:
        return
    tenant = tenant_directory().by_id(sending.tenant_id)
    for kind in due_mails(letter, sending):
        message = compose(letter, sending, kind, tenant)
        event_id = MAIL_PREFIX + kind
        to = message["To"] if message is not None else ""
        add_event(sending, sending.state, "portal", code=event_id, detail=to, event_id=event_id)
        db.session.flush()
        if message is None:
            continue
        try:
            send_email(message)
        except MailBounced:
            log.warning("letter %s: the %s email bounced", letter.reference, kind)


JOBS: list = [send_tracking_mails]
