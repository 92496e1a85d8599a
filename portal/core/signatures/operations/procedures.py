"""Signature procedures: what a plugin gives, their creation and start, their ends other than a
signer's (cancelled, expired), each outcome recorded once, their files and their purge.

Every function runs in the caller's transaction (a view or a job commits)."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core import clock, uploads
from portal.core.database import lock_and_reload, take_sqlite_write_lock
from portal.core.references import new_reference, subject_of
from portal.core.signatures import rules
from portal.core.signatures.errors import (
    InvalidProcedure,
    ProcedureClosed,
)
from portal.core.signatures.models import (
    FINAL_STATES,
    ProcedureOutcome,
    ProcedureSigner,
    ProcedureState,
    SignatureAcceptanceBox,
    SignatureDocument,
    SignatureProcedure,
    SignerEvent,
    SignerState,
)
from portal.core.signatures.operations.links import new_link
from portal.core.signatures.providers.base import Delivery, DocumentRole
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_directory
from portal.extensions import db

log = logging.getLogger(__name__)


# --- what a plugin gives -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewDocument:
    """A PDF of a new procedure: to sign, or to read only; its acceptance boxes are labels, or
    ``(label, required)`` pairs (required by default)."""

    title: str
    filename: str
    content: bytes
    role: DocumentRole = DocumentRole.SIGN
    acceptance_boxes: tuple[str | tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class NewSigner:
    first_name: str
    last_name: str
    email: str
    mobile: str | None


@dataclass(frozen=True)
class SignatureCharge:
    """The priced item the asking plugin charges for the signature, and the outcomes that
    refund it."""

    price_code: str
    refund_on: frozenset[str] = field(default_factory=lambda: frozenset({"declined", "expired"}))


# --- creation and start ------------------------------------------------------------------------


def create_procedure(
    *,
    account,
    profile,
    owner: str,
    title: str,
    documents: Sequence[NewDocument],
    signers: Sequence[NewSigner],
    deadline: datetime,
    subject=None,
    delivery: Delivery = Delivery.REMOTE,
    ordered: bool = False,
    require_identity_document: bool = False,
    success_message: str | None = None,
    charge: SignatureCharge | None = None,
    locale: str | None = None,
) -> SignatureProcedure:
    """A procedure in state CREATED, its PDFs stored under the tenant's prefix; nothing is sent
    yet (:func:`start_procedure`). Raises :class:`InvalidProcedure` saying what is wrong."""
    tenant = tenant_directory().get(account.tenant_id)
    title = (title or "").strip()
    if not title:
        raise InvalidProcedure(_l("La procédure de signature n'a pas de titre."))
    checked_documents = [_checked_document(document) for document in documents]
    if not any(document.role == DocumentRole.SIGN for document, _pages in checked_documents):
        raise InvalidProcedure(_l("Une procédure de signature a au moins un document à signer."))
    checked_signers = [_checked_signer(signer) for signer in signers]
    if not checked_signers:
        raise InvalidProcedure(_l("Une procédure de signature a au moins un signataire."))
    if deadline.tzinfo is None:
        raise InvalidProcedure(_l("La date limite de signature doit préciser son fuseau horaire."))
    if deadline <= clock.now():
        raise InvalidProcedure(_l("La date limite de signature est déjà passée."))
    subject_type, subject_id = subject_of(subject)

    procedure = SignatureProcedure(
        tenant_id=account.tenant_id,
        reference=new_reference("SIG-", SignatureProcedure.reference),
        account_id=account.id,
        profile_id=getattr(profile, "id", None),
        owner=owner,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title[:200],
        state=ProcedureState.CREATED,
        delivery=Delivery(delivery),
        ordered=ordered,
        require_identity_document=require_identity_document,
        # In UTC: SQLite keeps no offset, so a Paris 20:00 would come back as 20:00 UTC.
        deadline=deadline.astimezone(UTC),
        success_message=success_message,
        locale=(locale or tenant.config.default_locale)[:5],
        price_code=charge.price_code if charge else None,
        refund_on=sorted(charge.refund_on) if charge else [],
        charged=False,
        created_at=clock.now(),
        provider="builtin",
    )
    for position, (document, pages) in enumerate(checked_documents, start=1):
        key = tenant_key(
            account.tenant_id,
            "signatures",
            procedure.reference,
            f"{position}-original-{uuid.uuid4().hex}.pdf",
        )
        storage().put(key, document.content, "application/pdf")
        row = SignatureDocument(
            tenant_id=account.tenant_id,
            position=position,
            role=DocumentRole(document.role),
            title=document.title.strip()[:200],
            filename=uploads.display_name(document.filename, ".pdf", "document")[:255],
            storage_key=key,
            sha256=hashlib.sha256(document.content).hexdigest(),
            page_count=pages,
        )
        for box_position, box in enumerate(document.acceptance_boxes, start=1):
            label, required = (box, True) if isinstance(box, str) else box
            row.acceptance_boxes.append(
                SignatureAcceptanceBox(
                    tenant_id=account.tenant_id,
                    position=box_position,
                    label=str(label),
                    required=bool(required),
                )
            )
        procedure.documents.append(row)
    for position, (signer, mobile) in enumerate(checked_signers, start=1):
        nonce, token_hash = new_link()
        procedure.signers.append(
            ProcedureSigner(
                tenant_id=account.tenant_id,
                position=position,
                first_name=signer.first_name.strip()[:100],
                last_name=signer.last_name.strip()[:100],
                email=signer.email.strip()[:254],
                mobile=mobile,
                state=SignerState.WAITING,
                link_nonce=nonce,
                token_hash=token_hash,
                accepted_box_ids=[],
                reminders_sent=[],
                otp_attempts=0,
                otp_sent_count=0,
            )
        )
    db.session.add(procedure)
    db.session.flush()
    add_event(procedure, "created", details={"owner": owner, "profile_id": procedure.profile_id})
    return procedure


def start_procedure(procedure: SignatureProcedure) -> None:
    """CREATED → ONGOING: charge the price (may raise the ledger's ``InsufficientCredit``, the
    caller's transaction then rolls back) and invite the signers whose turn it is — by email
    when remote; in person the agent opens their pages."""
    lock(procedure)
    if not rules.allowed_transition(procedure.state, ProcedureState.ONGOING):
        raise ProcedureClosed()
    procedure.state = ProcedureState.ONGOING
    procedure.started_at = clock.now()
    if procedure.price_code:
        from portal.core.signatures import charges

        charges.charge_procedure(procedure)
    add_event(procedure, "started")
    if not _hand_over_to_outside_provider(procedure):
        invite_turn(procedure)


def _hand_over_to_outside_provider(procedure: SignatureProcedure) -> bool:
    """Where the tenant's ``[signatures] provider`` is an outside one, the procedure is created
    and activated there (it invites the signers, its webhooks report the outcome); True then.
    ``ProviderError`` rolls the caller's transaction back: nothing started, nothing charged."""
    tenant = tenant_directory().get(procedure.tenant_id)
    from portal.core.signatures import outside

    provider_name = outside.tenant_settings(tenant).get("provider") or "builtin"
    if provider_name == "builtin":
        return False
    outside.hand_over(procedure, outside.tenant_provider(tenant), tenant)
    for signer in procedure.signers:
        if signer.state == SignerState.WAITING:
            signer.state = SignerState.INVITED
            signer.invited_at = clock.now()
    return True


def create_and_start(**kwargs) -> SignatureProcedure:
    """:func:`create_procedure` then :func:`start_procedure`, in the caller's transaction."""
    procedure = create_procedure(**kwargs)
    start_procedure(procedure)
    return procedure


def invite_turn(procedure: SignatureProcedure) -> None:
    """Invite the signers whose turn has come and who were not invited yet."""
    for signer in rules.signer_turn(procedure.signers, procedure.ordered):
        if signer.state != SignerState.WAITING:
            continue
        signer.state = SignerState.INVITED
        signer.invited_at = clock.now()
        add_event(procedure, "invited", signer, details={"delivery": str(procedure.delivery)})
        if procedure.delivery == Delivery.REMOTE:
            from portal.core.signatures import notifications

            notifications.queue_invitation(signer)


# --- ends other than the signers': cancelled, expired; outcomes -----------------------------


def cancel_procedure(procedure: SignatureProcedure, *, reason: str, profile=None) -> None:
    """The asking agent or plugin withdraws the procedure (created or ongoing)."""
    lock(procedure)
    if not rules.allowed_transition(procedure.state, ProcedureState.CANCELLED):
        raise ProcedureClosed()
    procedure.state = ProcedureState.CANCELLED
    procedure.cancel_reason = (reason or "").strip() or None
    procedure.completed_at = clock.now()
    for signer in procedure.signers:
        signer.otp_hash = None
    add_event(
        procedure,
        "cancelled",
        details={"reason": procedure.cancel_reason, "profile_id": getattr(profile, "id", None)},
    )
    record_outcome(procedure, ProcedureState.CANCELLED)


def expire_procedure(procedure: SignatureProcedure) -> None:
    """An ongoing procedure past its deadline (or said expired by its outside provider) ends
    EXPIRED; anything else is left as it is (the periodic job may meet one signed meanwhile)."""
    lock(procedure)
    if procedure.state != ProcedureState.ONGOING:
        return
    # An outside provider's word (its webhook) is enough; the built-in engine checks the date.
    if procedure.provider == "builtin" and rules.aware(procedure.deadline) > clock.now():
        return
    procedure.state = ProcedureState.EXPIRED
    procedure.completed_at = clock.now()
    for signer in procedure.signers:
        signer.otp_hash = None
    deadline = rules.aware(procedure.deadline).isoformat()
    add_event(procedure, "expired", details={"deadline": deadline})
    record_outcome(procedure, ProcedureState.EXPIRED)


def record_outcome(procedure: SignatureProcedure, outcome: ProcedureState) -> bool:
    """Record a final state once (False if it already was) and, when this call recorded it,
    queue its delivery to the owner's hook (sent once the caller's transaction commits)."""
    outcome = ProcedureState(outcome)
    if outcome not in FINAL_STATES:
        raise ValueError(f"{outcome} is not an outcome")
    exists = db.session.scalar(
        select(ProcedureOutcome.id).where(
            ProcedureOutcome.procedure_id == procedure.id,
            ProcedureOutcome.outcome == outcome.value,
        )
    )
    if exists is not None:
        return False
    db.session.flush()
    take_sqlite_write_lock("signature_outcome")  # before the SAVEPOINT below
    row = ProcedureOutcome(
        tenant_id=procedure.tenant_id,
        procedure_id=procedure.id,
        outcome=outcome.value,
        recorded_at=clock.now(),
    )
    savepoint = db.session.begin_nested()
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()  # recorded by a concurrent call meanwhile
        return False
    savepoint.commit()
    from portal.core.jobs import enqueue
    from portal.core.signatures.jobs import deliver_outcome

    enqueue(deliver_outcome, row.id)
    return True


# --- files -------------------------------------------------------------------------------------


def documents_to_read(procedure: SignatureProcedure) -> list[SignatureDocument]:
    """The documents the signer goes through, in order: those to sign and those to read."""
    return list(procedure.documents)


def signed_document_bytes(document: SignatureDocument) -> bytes:
    """The document's latest version: signed by everyone who has signed so far (the original
    before the first signature)."""
    return storage().read(document.current_storage_key)


def audit_trail_bytes(procedure: SignatureProcedure) -> bytes | None:
    """The sealed audit trail, once the procedure is signed."""
    if procedure.audit_trail_record_id is None:
        return None
    from portal.core.evidence import EvidenceRecord

    record = db.session.get(EvidenceRecord, procedure.audit_trail_record_id)
    if record is None or not record.storage_key:
        return None
    return storage().read(record.storage_key)


def purge_account_procedures(account) -> int:
    """Delete the account's procedures, their signers' data and their stored files (the
    account's purge); the proofs archived in the evidence chain stay. Returns how many."""
    from sqlalchemy import delete

    store = storage()
    procedures = db.session.scalars(
        select(SignatureProcedure).where(SignatureProcedure.account_id == account.id)
    ).all()
    for procedure in procedures:
        keys = set()
        for document in procedure.documents:
            keys.update({document.storage_key, document.signed_storage_key})
        for signer in procedure.signers:
            keys.add(signer.identity_document_key)
        for event in procedure.events:
            for sealed in (event.details or {}).get("documents", []):
                keys.add(sealed.get("storage_key"))
        for key in keys - {None}:
            store.delete(key)
        db.session.execute(
            delete(ProcedureOutcome).where(ProcedureOutcome.procedure_id == procedure.id),
            execution_options={"synchronize_session": False},
        )
        db.session.delete(procedure)
    db.session.flush()
    return len(procedures)


# --- helpers -----------------------------------------------------------------------------------


def add_event(
    procedure: SignatureProcedure,
    kind: str,
    signer: ProcedureSigner | None = None,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> SignerEvent:
    """A line of the procedure's history (``at``: when it happened, now by default)."""
    event = SignerEvent(
        tenant_id=procedure.tenant_id,
        procedure=procedure,
        signer=signer,
        kind=kind,
        at=at or clock.now(),
        ip=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:300] or None,
        details=details or {},
    )
    db.session.add(event)
    return event


def lock(procedure: SignatureProcedure) -> None:
    """Hold the procedure's row until the transaction ends (PostgreSQL; SQLite has one writer)
    and read it again: two signers, or a signer and the expiry job, never act on a stale state."""
    if procedure.id is None:
        return
    lock_and_reload(procedure)  # what is read next is the latest
    # Signers and document versions as the last holder of the lock left them (two parallel
    # signers: the second seals the first's version, and sees that everyone has signed).
    for model in (SignatureDocument, ProcedureSigner):
        db.session.scalars(
            select(model)
            .where(model.procedure_id == procedure.id)
            .execution_options(populate_existing=True)
        ).all()


def _checked_document(document: NewDocument) -> tuple[NewDocument, int]:
    """The document and its page count; a PDF that cannot be read is refused."""
    from pypdf import PdfReader

    if not (document.title or "").strip():
        raise InvalidProcedure(_l("Chaque document doit avoir un titre."))
    content = bytes(document.content or b"")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise InvalidProcedure(
                _l(
                    "Le document « %(title)s » est protégé par un mot de passe.",
                    title=document.title,
                )
            )
        pages = len(reader.pages)
    except InvalidProcedure:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many types for a broken file
        pages = 0
    if not content.startswith(b"%PDF-") or pages < 1:
        raise InvalidProcedure(
            _l("Le document « %(title)s » n'est pas un PDF lisible.", title=document.title)
        )
    return document, pages


def _checked_signer(signer: NewSigner) -> tuple[NewSigner, str]:
    """The signer and their mobile in E.164: the SMS code is how they sign."""
    from email_validator import EmailNotValidError, validate_email

    from portal.core.sms import InvalidPhoneNumber, normalize_mobile

    name = f"{signer.first_name or ''} {signer.last_name or ''}".strip()
    if not (signer.first_name or "").strip() or not (signer.last_name or "").strip():
        raise InvalidProcedure(_l("Chaque signataire doit avoir un prénom et un nom."))
    try:
        validate_email(signer.email or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise InvalidProcedure(
            _l("L'adresse e-mail de %(name)s n'est pas valide.", name=name)
        ) from None
    if not (signer.mobile or "").strip():
        raise InvalidProcedure(
            _l(
                "%(name)s n'a pas de numéro de mobile : sans mobile, impossible de recevoir le "
                "code de signature par SMS.",
                name=name,
            )
        )
    try:
        mobile = normalize_mobile(signer.mobile)
    except InvalidPhoneNumber:
        raise InvalidProcedure(
            _l(
                "Le numéro de mobile de %(name)s n'est pas valide : saisissez un numéro "
                "français, par exemple 06 12 34 56 78.",
                name=name,
            )
        ) from None
    return signer, mobile
