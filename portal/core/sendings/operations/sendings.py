"""A sending's life in the portal: its creation as a draft, its validation (charged, frozen,
scheduled), a new date or its cancellation until the eve of its due day, and the helpers every
step shares (the row lock, the timeline, each state reached once).

Every function runs in the caller's transaction (a view or a job commits)."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import clock, uploads
from portal.core.database import insert_ignoring_duplicates, lock_and_reload
from portal.core.references import new_reference, subject_of
from portal.core.sendings import charges, rules
from portal.core.sendings.errors import (
    InvalidSending,
    SendingClosed,
    SendingFrozen,
    TooLateToChange,
)
from portal.core.sendings.models import (
    Sending,
    SendingDocument,
    SendingEvent,
    SendingStateReached,
    party_to_json,
)
from portal.core.sendings.operators.base import (
    Channel,
    OutgoingDocument,
    Party,
    SendingState,
)
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_directory
from portal.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewDocument:
    """A PDF of a new sending."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class PriceLine:
    """A line of a sending's price: ``amount_cents`` incl. VAT (negative: a discount),
    ``vat_rate`` in basis points (2000 = 20 %). A plugin usually builds them from its priced
    items (:meth:`from_item`)."""

    code: str
    label: str
    amount_cents: int
    vat_rate: int = 2000

    @classmethod
    def from_item(cls, item) -> PriceLine:
        return cls(item.code, str(item.label), item.price_cents, item.vat_rate_bp)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "label": str(self.label),
            "amount_cents": int(self.amount_cents),
            "vat_rate": int(self.vat_rate),
        }


# --- shared helpers ---------------------------------------------------------------------------


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes: they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def lock(sending: Sending) -> Sending:
    """Hold the sending's row until the transaction ends (PostgreSQL; SQLite: its one writer)
    and read it again: two workers, a callback and a poll never act on a stale state."""
    if sending.id is None:
        return sending
    lock_and_reload(sending)
    return sending


def add_event(
    sending: Sending,
    state: SendingState,
    source: str = "portal",
    *,
    at: datetime | None = None,
    code: str | None = None,
    detail: str | None = None,
    event_id: str | None = None,
    applied: bool = True,
) -> SendingEvent:
    """A line on the sending's timeline."""
    moment = clock.now()
    event = SendingEvent(
        tenant_id=sending.tenant_id,
        sending_id=sending.id,
        at=(at or moment).astimezone(UTC),
        recorded_at=moment,
        state=SendingState(state),
        source=source[:60],
        code=(code or None) and code[:100],
        detail=detail or None,
        event_id=event_id,
        applied=applied,
    )
    db.session.add(event)
    if "events" in sending.__dict__:  # loaded: keep it whole (otherwise never load it for this)
        sending.events.append(event)
    return event


def move(
    sending: Sending,
    state: SendingState,
    source: str = "portal",
    *,
    at: datetime | None = None,
    code: str | None = None,
    detail: str | None = None,
    event_id: str | None = None,
) -> SendingEvent:
    """Change the sending's state (an allowed transition only), write it on the timeline and
    record the state reached (told once to the plugin and the profile, by a job); the timeline
    line."""
    state = SendingState(state)
    if not rules.can_move(sending.state, state):
        raise SendingClosed()
    sending.state = state
    line = add_event(sending, state, source, at=at, code=code, detail=detail, event_id=event_id)
    if sending.is_terminal and sending.completed_at is None:
        sending.completed_at = clock.now()
    reached(sending, state)
    return line


def reached(sending: Sending, state: SendingState) -> None:
    """Record ``state`` reached, once per sending, and queue the job that tells the owner
    plugin (``on_sending_state_changed``), emails the profile and settles the charge."""
    from portal.core.sendings import jobs

    # One statement: the unique (sending, state) says whether it was recorded already.
    row_id = db.session.execute(
        insert_ignoring_duplicates(SendingStateReached)
        .values(
            tenant_id=sending.tenant_id,
            sending_id=sending.id,
            state=state,
            recorded_at=clock.now(),
        )
        .returning(SendingStateReached.id)
    ).scalar()
    if row_id is not None:
        jobs.queue_state_reached(sending.tenant_id, row_id)


def _tenant_timezone(sending: Sending) -> str:
    tenant = tenant_directory().get(sending.tenant_id)
    return tenant.config.timezone


def _pages(document: NewDocument) -> int:
    from pypdf import PdfReader

    content = bytes(document.content or b"")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        pages = 0 if reader.is_encrypted else len(reader.pages)
    except Exception:  # noqa: BLE001 - pypdf raises many types for a broken file
        pages = 0
    if not content.startswith(b"%PDF-") or pages < 1:
        raise InvalidSending(
            _l("Le document « %(name)s » n'est pas un PDF lisible.", name=document.filename)
        )
    return pages


def _check_parties(channel: Channel, sender: Party, recipient: Party) -> None:
    if not (sender.name or "").strip() or not (recipient.name or "").strip():
        raise InvalidSending(_l("L'expéditeur et le destinataire doivent avoir un nom."))
    if channel == Channel.LRE and not (recipient.email or "").strip():
        raise InvalidSending(
            _l("Une lettre recommandée électronique demande l'adresse e-mail du destinataire.")
        )
    if channel == Channel.PAPER and not (
        recipient.address_lines and recipient.postal_code and recipient.city
    ):
        raise InvalidSending(_l("Un courrier papier demande l'adresse postale du destinataire."))


def _store_documents(sending: Sending, documents: Sequence[NewDocument]) -> None:
    checked = [(document, _pages(document)) for document in documents]
    if not checked:
        raise InvalidSending(_l("Un envoi a au moins un document."))
    for row in list(sending.documents):
        sending.documents.remove(row)
    for position, (document, pages) in enumerate(checked, start=1):
        key = tenant_key(
            sending.tenant_id, "sendings", sending.reference, f"{position}-{uuid.uuid4().hex}.pdf"
        )
        storage().put(key, bytes(document.content), "application/pdf")
        sending.documents.append(
            SendingDocument(
                tenant_id=sending.tenant_id,
                position=position,
                filename=uploads.display_name(document.filename, ".pdf", "document")[:255],
                storage_key=key,
                sha256=hashlib.sha256(bytes(document.content)).hexdigest(),
                pages=pages,
            )
        )


def _set_price(sending: Sending, price_lines: Sequence) -> None:
    lines = [
        (line if isinstance(line, PriceLine) else PriceLine.from_item(line)).as_json()
        for line in price_lines
    ]
    sending.price_lines = lines
    sending.price_cents = sum(line["amount_cents"] for line in lines)
    if sending.price_cents < 0:
        raise InvalidSending(_l("Le prix d'un envoi ne peut pas être négatif."))


# --- creation, changes of a draft -------------------------------------------------------------


def create_sending(
    *,
    account,
    profile,
    owner: str,
    channel: Channel | str,
    title: str,
    documents: Sequence[NewDocument],
    sender: Party,
    recipient: Party,
    options: dict | None = None,
    price_lines: Sequence = (),
    subject=None,
    held_for: str | None = None,
) -> Sending:
    """A sending in state DRAFT, its PDFs stored under the tenant's prefix; nothing is charged
    or sent yet (:func:`validate_sending`). ``price_lines``: :class:`PriceLine` or priced items.
    ``held_for``: once validated it waits, whatever its due time, until :func:`release_held`
    (a document signed after validation; see :func:`replace_held_document`). Raises
    :class:`InvalidSending` saying what is wrong."""
    channel = Channel(channel)
    title = (title or "").strip()
    if not title:
        raise InvalidSending(_l("L'envoi n'a pas de titre."))
    _check_parties(channel, sender, recipient)
    subject_type, subject_id = subject_of(subject)
    reference = new_reference("ENV-", Sending.reference)
    sending = Sending(
        tenant_id=account.tenant_id,
        reference=reference,
        delivery_id=f"{reference}-{secrets.token_hex(8)}",
        account_id=account.id,
        profile_id=getattr(profile, "id", None),
        owner=owner[:40],
        subject_type=subject_type,
        subject_id=subject_id,
        title=title[:200],
        channel=channel,
        state=SendingState.DRAFT,
        sender=party_to_json(sender),
        recipient=party_to_json(recipient),
        options=dict(options or {}),
        charged=False,
        created_at=clock.now(),
        held_for=(held_for or None) and held_for[:40],
    )
    _set_price(sending, price_lines)
    _store_documents(sending, documents)
    db.session.add(sending)
    db.session.flush()
    add_event(sending, SendingState.DRAFT, "portal")
    return sending


def update_draft(
    sending: Sending,
    *,
    title: str | None = None,
    documents: Sequence[NewDocument] | None = None,
    sender: Party | None = None,
    recipient: Party | None = None,
    options: dict | None = None,
    price_lines: Sequence | None = None,
) -> Sending:
    """Change a draft; once validated nothing about the content changes (:class:`SendingFrozen`)."""
    lock(sending)
    if sending.is_frozen:
        raise SendingFrozen()
    if title is not None:
        if not title.strip():
            raise InvalidSending(_l("L'envoi n'a pas de titre."))
        sending.title = title.strip()[:200]
    if sender is not None or recipient is not None:
        new_sender = sender or sending.sender_party()
        new_recipient = recipient or sending.recipient_party()
        _check_parties(sending.channel, new_sender, new_recipient)
        sending.sender = party_to_json(new_sender)
        sending.recipient = party_to_json(new_recipient)
    if options is not None:
        sending.options = dict(options)
    if price_lines is not None:
        _set_price(sending, price_lines)
    if documents is not None:
        _store_documents(sending, documents)
    return sending


# --- validation, date, cancellation -----------------------------------------------------------


def validate_sending(sending: Sending, *, due_at: datetime | None = None) -> Sending:
    """DRAFT → VALIDATED (charged once: ``sending:<reference>``; content frozen) → SCHEDULED
    for ``due_at`` (aware; now by default: the scheduler hands it over within a minute).
    Validating again changes nothing. ``InsufficientCredit`` propagates (nothing changed)."""
    lock(sending)
    if sending.state != SendingState.DRAFT:
        if sending.state in (SendingState.VALIDATED, SendingState.SCHEDULED) or sending.charged:
            return sending  # already validated (a double click, a retried job)
        raise SendingClosed()
    if due_at is not None and due_at.tzinfo is None:
        raise InvalidSending(_l("La date d'envoi doit préciser son fuseau horaire."))
    moment = clock.now()
    charges.charge_sending(sending)
    sending.validated_at = moment
    move(sending, SendingState.VALIDATED)
    sending.due_at = (due_at or moment).astimezone(UTC)
    move(sending, SendingState.SCHEDULED, detail=sending.due_at.isoformat())
    return sending


def may_change(sending: Sending, now: datetime | None = None) -> bool:
    """True while the date may move and the sending be cancelled (until the eve of its due
    day in the tenant's time zone; a draft always)."""
    return rules.may_change(
        sending.state, aware(sending.due_at), now or clock.now(), _tenant_timezone(sending)
    )


def reschedule(sending: Sending, due_at: datetime, profile=None) -> Sending:
    """Move a scheduled sending to ``due_at`` (aware), until the eve of its current due day
    (:class:`TooLateToChange`); the new day must also be after today."""
    lock(sending)
    if sending.state not in rules.CHANGEABLE:
        raise SendingClosed()
    if due_at.tzinfo is None:
        raise InvalidSending(_l("La date d'envoi doit préciser son fuseau horaire."))
    moment = clock.now()
    if not may_change(sending, moment):
        raise TooLateToChange()
    if due_at < moment:
        raise InvalidSending(_l("La nouvelle date d'envoi est déjà passée."))
    previous = aware(sending.due_at)
    sending.due_at = due_at.astimezone(UTC)
    who = f"profile:{profile.id}" if getattr(profile, "id", None) else "portal"
    add_event(
        sending,
        sending.state,
        "portal",
        code="rescheduled",
        detail=f"{previous.isoformat() if previous else ''} → {sending.due_at.isoformat()} ({who})",
    )
    return sending


def cancel_sending(sending: Sending, reason: str, profile=None) -> Sending:
    """Cancel a draft, or a validated/scheduled sending until the eve of its due day
    (:class:`TooLateToChange` after); its charge is refunded once. Cancelling again is a no-op."""
    lock(sending)
    if sending.state == SendingState.CANCELLED:
        return sending
    if sending.state != SendingState.DRAFT and sending.state not in rules.CHANGEABLE:
        raise SendingClosed()
    if not may_change(sending):
        raise TooLateToChange()
    sending.cancel_reason = (reason or "").strip()[:2000] or None
    who = f"profile:{profile.id}" if getattr(profile, "id", None) else None
    move(sending, SendingState.CANCELLED, "portal", code=who, detail=sending.cancel_reason)
    charges.refund_sending(sending)
    return sending


# --- held sendings ----------------------------------------------------------------------------


def _check_held(sending: Sending) -> None:
    if sending.held_for is None or sending.state not in rules.CHANGEABLE:
        raise SendingClosed()


def replace_held_document(sending: Sending, position: int, document: NewDocument) -> Sending:
    """While a validated sending is held, its document ``position`` (1-based) is replaced by the
    version it was held for (e.g. the mandate once signed): the one change of content allowed
    after validation, kept on the timeline with both fingerprints."""
    lock(sending)
    _check_held(sending)
    row = next((d for d in sending.documents if d.position == position), None)
    if row is None:
        raise InvalidSending(_l("Cet envoi n'a pas ce document."))
    pages = _pages(document)
    key = tenant_key(
        sending.tenant_id, "sendings", sending.reference, f"{position}-{uuid.uuid4().hex}.pdf"
    )
    storage().put(key, bytes(document.content), "application/pdf")
    previous = row.sha256
    row.storage_key = key
    row.sha256 = hashlib.sha256(bytes(document.content)).hexdigest()
    row.pages = pages
    row.filename = uploads.display_name(document.filename, ".pdf", "document")[:255]
    add_event(
        sending,
        sending.state,
        "portal",
        code="document_completed",
        detail=f"{position}: {previous} → {row.sha256}",
    )
    return sending


def release_held(sending: Sending) -> Sending:
    """The held sending may go: claimed at its due time (at once when that has passed)."""
    lock(sending)
    _check_held(sending)
    reason, sending.held_for = sending.held_for, None
    add_event(sending, sending.state, "portal", code="released", detail=reason)
    return sending


def cancel_held(sending: Sending, reason: str) -> Sending:
    """Cancel a sending still held (its document never came, e.g. the mandate was not signed by
    the deadline), whatever the day — it was never due; refunded once. A no-op once cancelled."""
    lock(sending)
    if sending.state == SendingState.CANCELLED:
        return sending
    _check_held(sending)
    sending.cancel_reason = (reason or "").strip()[:2000] or None
    move(sending, SendingState.CANCELLED, "portal", code="held", detail=sending.cancel_reason)
    charges.refund_sending(sending)
    return sending


# --- reading ----------------------------------------------------------------------------------


def outgoing_documents(sending: Sending) -> tuple[OutgoingDocument, ...]:
    """The sending's PDFs as handed to the operator."""
    store = storage()
    return tuple(
        OutgoingDocument(filename=document.filename, content=store.read(document.storage_key))
        for document in sending.documents
    )


def sending_by_reference(reference: str) -> Sending | None:
    """The current tenant's sending by its reference."""
    return db.session.scalar(select(Sending).where(Sending.reference == reference))
