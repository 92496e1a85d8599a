"""What happens to a signature procedure, from its creation by a plugin to its outcome.

Every function runs in the caller's transaction (a view or a job commits). A plugin asks::

    from portal.core import signatures
    procedure = signatures.create_and_start(
        account=account, profile=profile, owner="resiliation", title="Mandat de résiliation",
        documents=[signatures.NewDocument("Mandat", "mandat.pdf", pdf, acceptance_boxes=(
            "J'ai lu le mandat et je l'accepte.",))],
        signers=[signatures.NewSigner("Camille", "Durand", "camille@example.org", "0612345678")],
        deadline=now() + timedelta(days=7), subject=letter,
        charge=signatures.SignatureCharge("e_signature"),
    )

and learns the outcome once through its ``on_signature_outcome`` hook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from flask import current_app, g, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.core import uploads
from portal.core.clock import now
from portal.core.signatures import rules
from portal.core.signatures.errors import (
    CodeExpired,
    CodeNotSent,
    CodeThrottled,
    IdentityDocumentRequired,
    InvalidProcedure,
    LinkInvalid,
    MissingAcceptance,
    ProcedureClosed,
    SignatureError,
    SigningUnavailable,
    TooManyTries,
    UploadRefused,
    WrongCode,
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
from portal.core.signatures.providers.base import Delivery, DocumentRole
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_directory
from portal.extensions import db

__all__ = [
    "NewDocument",
    "NewSigner",
    "SignatureCharge",
    "accept_boxes",
    "audit_trail_bytes",
    "cancel_procedure",
    "create_and_start",
    "create_procedure",
    "decline",
    "documents_to_read",
    "expire_procedure",
    "open_for_agent",
    "purge_account_procedures",
    "ready_to_sign",
    "record_opened",
    "record_outcome",
    "renew_link",
    "send_code",
    "sign",
    "signed_document_bytes",
    "signer_for_done_page",
    "signer_for_token",
    "signer_token",
    "signer_url",
    "start_procedure",
    "upload_identity_document",
]

log = logging.getLogger(__name__)
_LINK_PURPOSE = b"signature-link:"
_OTP_PURPOSE = b"signature-otp:"


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
    if deadline <= now():
        raise InvalidProcedure(_l("La date limite de signature est déjà passée."))
    subject_type, subject_id = _subject(subject)

    procedure = SignatureProcedure(
        tenant_id=account.tenant_id,
        reference=_new_reference(),
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
        created_at=now(),
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
        nonce = secrets.token_hex(16)
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
                token_hash=_token_hash(_token_for_nonce(nonce)),
                accepted_box_ids=[],
                reminders_sent=[],
                otp_attempts=0,
                otp_sent_count=0,
            )
        )
    db.session.add(procedure)
    db.session.flush()
    _event(procedure, "created", details={"owner": owner, "profile_id": procedure.profile_id})
    return procedure


def start_procedure(procedure: SignatureProcedure) -> None:
    """CREATED → ONGOING: charge the price (may raise the ledger's ``InsufficientCredit``, the
    caller's transaction then rolls back) and invite the signers whose turn it is — by email
    when remote; in person the agent opens their pages."""
    _lock(procedure)
    if not rules.allowed_transition(procedure.state, ProcedureState.ONGOING):
        raise ProcedureClosed()
    procedure.state = ProcedureState.ONGOING
    procedure.started_at = now()
    if procedure.price_code:
        from portal.core.signatures import charges

        charges.charge_procedure(procedure)
    _event(procedure, "started")
    if not _hand_over_to_outside_provider(procedure):
        _invite_turn(procedure)


def _hand_over_to_outside_provider(procedure: SignatureProcedure) -> bool:
    """Where the tenant's ``[signatures] provider`` is an outside one, the procedure is created
    and activated there (it invites the signers, its webhooks report the outcome); True then.
    ``ProviderError`` rolls the caller's transaction back: nothing started, nothing charged."""
    tenant = tenant_directory().get(procedure.tenant_id)
    from portal.core.signatures import webhooks

    provider_name = webhooks.tenant_settings(tenant).get("provider") or "builtin"
    if provider_name == "builtin":
        return False
    webhooks.hand_over(procedure, webhooks.tenant_provider(tenant), tenant)
    for signer in procedure.signers:
        if signer.state == SignerState.WAITING:
            signer.state = SignerState.INVITED
            signer.invited_at = now()
    return True


def create_and_start(**kwargs) -> SignatureProcedure:
    """:func:`create_procedure` then :func:`start_procedure`, in the caller's transaction."""
    procedure = create_procedure(**kwargs)
    start_procedure(procedure)
    return procedure


def _invite_turn(procedure: SignatureProcedure) -> None:
    """Invite the signers whose turn has come and who were not invited yet."""
    for signer in rules.signer_turn(procedure.signers, procedure.ordered):
        if signer.state != SignerState.WAITING:
            continue
        signer.state = SignerState.INVITED
        signer.invited_at = now()
        _event(procedure, "invited", signer, details={"delivery": str(procedure.delivery)})
        if procedure.delivery == Delivery.REMOTE:
            from portal.core.signatures import notifications

            notifications.queue_invitation(signer)


# --- links -------------------------------------------------------------------------------------


def _token_for_nonce(nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    digest = hmac.new(secret, _LINK_PURPOSE + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signer_token(signer: ProcedureSigner) -> str:
    """The signer's link token: HMAC-SHA256 of the link nonce with the app's secret key (not
    derivable from what the database holds); only its SHA-256 is stored."""
    return _token_for_nonce(signer.link_nonce)


def renew_link(signer: ProcedureSigner) -> str:
    """A new link for the signer (the old one stops working); returns the new token."""
    signer.link_nonce = secrets.token_hex(16)
    token = signer_token(signer)
    signer.token_hash = _token_hash(token)
    return token


def signer_url(signer: ProcedureSigner, *, _external: bool = True) -> str:
    """The signer's pages, on the tenant's own address (also from a job)."""
    token = signer_token(signer)
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is not None and tenant.id == signer.tenant_id:
        return url_for("signatures.signer_home", token=token, _external=_external)
    from portal.core.mail.rendering import tenant_base_url

    signer_tenant = tenant_directory().get(signer.tenant_id)
    with current_app.test_request_context("/"):
        path = url_for("signatures.signer_home", token=token)
    return tenant_base_url(signer_tenant).rstrip("/") + path if _external else path


def _signer_by_token(token: str) -> ProcedureSigner | None:
    if not token or len(token) > 100:
        return None
    wanted = _token_hash(token)
    # Scoped to the active tenant: another tenant's link is unknown on this host.
    signer = db.session.scalar(select(ProcedureSigner).where(ProcedureSigner.token_hash == wanted))
    if signer is None or not hmac.compare_digest(signer.token_hash, wanted):
        return None
    return signer


def signer_for_token(token: str) -> ProcedureSigner:
    """The signer a link belongs to, while they may act on it: the procedure is ongoing and it
    is their turn. Raises :class:`LinkInvalid` otherwise."""
    signer = _signer_by_token(token)
    if signer is None:
        raise LinkInvalid()
    _require_turn(signer)
    return signer


def signer_for_done_page(token: str) -> ProcedureSigner | None:
    """The signer of a link whatever the procedure's state (the success or refusal page)."""
    return _signer_by_token(token)


def _require_turn(signer: ProcedureSigner) -> None:
    procedure = signer.procedure
    if procedure.state != ProcedureState.ONGOING:
        raise LinkInvalid()
    if signer.state in (SignerState.SIGNED, SignerState.DECLINED, SignerState.WAITING):
        raise LinkInvalid()
    if signer not in rules.signer_turn(procedure.signers, procedure.ordered):
        raise LinkInvalid()
    if rules.aware(procedure.deadline) <= now():
        raise LinkInvalid(_l("La date limite de signature est passée : ce lien n'est plus actif."))


# --- the signer's steps ------------------------------------------------------------------------


def open_for_agent(procedure: SignatureProcedure, signer: ProcedureSigner, profile) -> str:
    """In person: the agent opens the signer's pages on their own screen; returns the URL."""
    if signer.procedure_id != procedure.id:
        raise LinkInvalid()
    _require_turn(signer)
    _event(
        procedure,
        "link_opened_by_agent",
        signer,
        details={"profile_id": getattr(profile, "id", None)},
    )
    return signer_url(signer)


def record_opened(signer: ProcedureSigner, *, ip: str | None, user_agent: str | None) -> None:
    """The signer opened their link (recorded the first time)."""
    if signer.opened_at is not None:
        return
    signer.opened_at = now()
    if signer.state == SignerState.INVITED:
        signer.state = SignerState.OPENED
    _event(signer.procedure, "opened", signer, ip=ip, user_agent=user_agent)


def upload_identity_document(signer: ProcedureSigner, stream: BinaryIO, filename: str) -> None:
    """Keep the signer's identity document (PDF, JPEG or PNG of 10 MB at most, judged by its
    content); raises :class:`UploadRefused`."""
    _require_turn(signer)
    try:
        accepted = uploads.read_document(stream, filename, default_name="piece-identite")
    except uploads.UploadRefused as exc:
        raise UploadRefused(exc.message) from None
    key = tenant_key(
        signer.tenant_id,
        "signatures",
        signer.procedure.reference,
        "identity",
        f"{signer.position}-{uuid.uuid4().hex}{accepted.file_type.extension}",
    )
    storage().put(key, accepted.data, accepted.file_type.content_type)
    signer.identity_document_key = key
    signer.identity_document_filename = accepted.filename[:255]
    _event(
        signer.procedure,
        "identity_uploaded",
        signer,
        details={
            "filename": accepted.filename,
            "sha256": hashlib.sha256(accepted.data).hexdigest(),
            "content_type": accepted.file_type.content_type,
        },
    )


def accept_boxes(
    signer: ProcedureSigner, document: SignatureDocument, box_ids: Iterable[int]
) -> None:
    """Record the boxes the signer ticked on ``document`` (replacing earlier ticks there);
    raises :class:`MissingAcceptance` when a required one is not ticked."""
    _require_turn(signer)
    if document.procedure_id != signer.procedure_id:
        raise LinkInvalid()
    own = {box.id: box for box in document.acceptance_boxes}
    ticked = {int(box_id) for box_id in box_ids if int(box_id) in own}
    if any(box.required and box.id not in ticked for box in own.values()):
        raise MissingAcceptance(document.position)
    kept = [box_id for box_id in signer.accepted_box_ids or [] if box_id not in own]
    signer.accepted_box_ids = sorted({*kept, *ticked})  # a new list: the JSON column changes
    _event(
        signer.procedure,
        "boxes_accepted",
        signer,
        details={"document": document.position, "boxes": sorted(ticked)},
    )


def ready_to_sign(signer: ProcedureSigner) -> list[str]:
    """What the signer must still do before asking for the code (translated sentences); []
    when they may ask for it."""
    missing = []
    procedure = signer.procedure
    if procedure.require_identity_document and not signer.identity_document_key:
        missing.append(_("Déposez votre pièce d'identité."))
    accepted = set(signer.accepted_box_ids or [])
    for document in procedure.documents:
        if any(box.required and box.id not in accepted for box in document.acceptance_boxes):
            missing.append(
                _("Cochez les cases obligatoires du document « %(title)s ».", title=document.title)
            )
    if not signer.mobile:
        missing.append(
            _("Aucun numéro de mobile n'est connu pour vous : le code ne peut pas être envoyé.")
        )
    return missing


def _check_ready(signer: ProcedureSigner) -> None:
    procedure = signer.procedure
    if procedure.require_identity_document and not signer.identity_document_key:
        raise IdentityDocumentRequired()
    accepted = set(signer.accepted_box_ids or [])
    for document in procedure.documents:
        if any(box.required and box.id not in accepted for box in document.acceptance_boxes):
            raise MissingAcceptance(document.position)
    if not signer.mobile:
        raise SignatureError(
            _l("Aucun numéro de mobile n'est connu pour vous : le code ne peut pas être envoyé.")
        )


def _otp_hash(signer: ProcedureSigner, code: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    message = _OTP_PURPOSE + f"{signer.id}:{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def send_code(signer: ProcedureSigner) -> str:
    """Send a new 6-digit code by SMS (valid 10 minutes; a new one at most every 60 seconds,
    5 per signer); returns the masked number it went to."""
    _lock(signer.procedure)
    _require_turn(signer)
    _check_ready(signer)
    moment = now()
    wait = rules.wait_before_resend(signer.otp_sent_at, moment)
    if wait:
        raise CodeThrottled(wait)
    if signer.otp_sent_count >= rules.OTP_MAX_SENDS:
        raise TooManyTries(
            _l(
                "Vous avez demandé trop de codes pour cette signature. Contactez la personne "
                "qui vous a demandé de signer."
            )
        )
    code = f"{secrets.randbelow(10**rules.OTP_LENGTH):0{rules.OTP_LENGTH}d}"
    signer.otp_hash = _otp_hash(signer, code)
    signer.otp_sent_at = moment
    signer.otp_expires_at = moment + rules.OTP_VALIDITY
    signer.otp_attempts = 0
    signer.otp_sent_count = (signer.otp_sent_count or 0) + 1
    tenant = tenant_directory().get(signer.tenant_id)
    from portal.core.i18n import force_locale
    from portal.core.sms import send_sms

    with force_locale(signer.procedure.locale):
        message = _(
            "Votre code de signature %(service)s : %(code)s. Il est valable 10 minutes. "
            "Ne le communiquez à personne.",
            service=tenant.name,
            code=code,
        )
    send_sms(signer.mobile, message)
    masked = rules.mask_mobile(signer.mobile)
    _event(signer.procedure, "code_sent", signer, details={"mobile": masked})
    return masked


def _check_code(signer: ProcedureSigner, code: str) -> None:
    if not signer.otp_hash:
        if signer.otp_sent_count and signer.otp_attempts >= rules.OTP_MAX_TRIES:
            raise TooManyTries()
        raise CodeNotSent()
    if now() >= rules.aware(signer.otp_expires_at):
        raise CodeExpired()
    given = "".join((code or "").split())
    if hmac.compare_digest(signer.otp_hash, _otp_hash(signer, given)):
        return
    signer.otp_attempts = (signer.otp_attempts or 0) + 1
    left = rules.otp_tries_left(signer.otp_attempts)
    _event(signer.procedure, "code_failed", signer, details={"tries_left": left})
    if left == 0:
        # The code is spent: a new one must be asked (the send limit still applies).
        signer.otp_hash = None
        signer.otp_expires_at = None
        raise TooManyTries()
    raise WrongCode(left)


def sign(signer: ProcedureSigner, code: str, *, ip: str | None, user_agent: str | None) -> None:
    """Check the code and seal every document to sign for this signer (a new stored version
    each time); the last signer completes the procedure, in order the next one is invited.

    A wrong code raises after counting the try: the caller commits so the count is kept."""
    procedure = signer.procedure
    _lock(procedure)
    _require_turn(signer)
    _check_ready(signer)
    _check_code(signer, code)
    from portal.core.signatures import sealing

    try:
        # Everything the signature changes is undone if a seal cannot be made.
        with db.session.begin_nested():
            _seal_for(signer, ip=ip, user_agent=user_agent)
    except sealing.SealingError as exc:
        log.warning("signature %s: no seal made: %s", procedure.reference, exc)
        raise SigningUnavailable() from exc


def _seal_for(signer: ProcedureSigner, *, ip: str | None, user_agent: str | None) -> None:
    from portal.core.signatures import sealing

    procedure = signer.procedure
    moment = now()
    signer.otp_hash = None  # used once
    signer.otp_expires_at = None
    sealed = []
    for document in procedure.documents:
        if document.role != DocumentRole.SIGN:
            continue
        before = storage().read(document.current_storage_key)
        after = sealing.seal_pdf(
            before,
            signer_name=signer.full_name,
            signed_at=moment,
            field_name=f"Signature{signer.position}",
            reason=_signature_reason(procedure),
            slot=signer.position - 1,
        )
        key = tenant_key(
            procedure.tenant_id,
            "signatures",
            procedure.reference,
            f"{document.position}-signed-{signer.position}-{uuid.uuid4().hex}.pdf",
        )
        storage().put(key, after, "application/pdf")
        document.signed_storage_key = key
        document.signed_sha256 = hashlib.sha256(after).hexdigest()
        sealed.append(
            {
                "document": document.position,
                "sha256_before": hashlib.sha256(before).hexdigest(),
                "sha256_after": document.signed_sha256,
                "storage_key": key,  # every version is found again (account purge)
            }
        )
    signer.state = SignerState.SIGNED
    signer.signed_at = moment
    signer.ip = (ip or "")[:45] or None
    signer.user_agent = (user_agent or "")[:300] or None
    _event(
        procedure,
        "signed",
        signer,
        ip=signer.ip,
        user_agent=signer.user_agent,
        details={"documents": sealed, "mobile": rules.mask_mobile(signer.mobile)},
    )
    if all(each.state == SignerState.SIGNED for each in procedure.signers):
        _finish(procedure)
    else:
        _invite_turn(procedure)


def _signature_reason(procedure: SignatureProcedure) -> str:
    from portal.core.i18n import force_locale

    with force_locale(procedure.locale):
        return _("Signature électronique de « %(title)s »", title=procedure.title)


def _finish(procedure: SignatureProcedure) -> None:
    """Every signer signed: archive the signed PDFs and the sealed audit trail as proofs."""
    from portal.core import evidence
    from portal.core.signatures import sealing

    procedure.state = ProcedureState.SIGNED
    procedure.completed_at = now()
    for document in procedure.documents:
        if document.role != DocumentRole.SIGN:
            continue
        record = evidence.add_proof(
            procedure.tenant_id,
            "signed_document",
            storage().read(document.current_storage_key),
            _signed_filename(document.filename),
            "application/pdf",
            subject=procedure,
        )
        document.evidence_record_id = record.id
    _event(procedure, "completed")
    db.session.flush()
    trail = sealing.render_audit_trail(procedure)
    record = evidence.add_proof(
        procedure.tenant_id,
        "signature_audit_trail",
        trail,
        f"{procedure.reference}-dossier-de-preuve.pdf",
        "application/pdf",
        subject=procedure,
    )
    procedure.audit_trail_record_id = record.id
    record_outcome(procedure, ProcedureState.SIGNED)


def _signed_filename(filename: str) -> str:
    stem = filename[:-4] if filename.lower().endswith(".pdf") else filename
    return f"{stem}-signe.pdf"


# --- ends other than signed --------------------------------------------------------------------


def decline(
    signer: ProcedureSigner, reason: str, *, ip: str | None, user_agent: str | None
) -> None:
    """The signer refuses to sign: the procedure ends DECLINED (every link dies)."""
    procedure = signer.procedure
    _lock(procedure)
    _require_turn(signer)
    reason = (reason or "").strip()
    if not reason:
        raise SignatureError(_l("Indiquez pourquoi vous refusez de signer."))
    moment = now()
    signer.state = SignerState.DECLINED
    signer.declined_at = moment
    signer.decline_reason = reason
    signer.ip = (ip or "")[:45] or None
    signer.user_agent = (user_agent or "")[:300] or None
    signer.otp_hash = None
    procedure.state = ProcedureState.DECLINED
    procedure.completed_at = moment
    _event(
        procedure,
        "declined",
        signer,
        ip=signer.ip,
        user_agent=signer.user_agent,
        details={"reason": reason},
    )
    record_outcome(procedure, ProcedureState.DECLINED)


def cancel_procedure(procedure: SignatureProcedure, *, reason: str, profile=None) -> None:
    """The asking agent or plugin withdraws the procedure (created or ongoing)."""
    _lock(procedure)
    if not rules.allowed_transition(procedure.state, ProcedureState.CANCELLED):
        raise ProcedureClosed()
    procedure.state = ProcedureState.CANCELLED
    procedure.cancel_reason = (reason or "").strip() or None
    procedure.completed_at = now()
    for signer in procedure.signers:
        signer.otp_hash = None
    _event(
        procedure,
        "cancelled",
        details={"reason": procedure.cancel_reason, "profile_id": getattr(profile, "id", None)},
    )
    record_outcome(procedure, ProcedureState.CANCELLED)


def expire_procedure(procedure: SignatureProcedure) -> None:
    """An ongoing procedure past its deadline (or said expired by its outside provider) ends
    EXPIRED; anything else is left as it is (the periodic job may meet one signed meanwhile)."""
    _lock(procedure)
    if procedure.state != ProcedureState.ONGOING:
        return
    # An outside provider's word (its webhook) is enough; the built-in engine checks the date.
    if procedure.provider == "builtin" and rules.aware(procedure.deadline) > now():
        return
    procedure.state = ProcedureState.EXPIRED
    procedure.completed_at = now()
    for signer in procedure.signers:
        signer.otp_hash = None
    _event(procedure, "expired", details={"deadline": rules.aware(procedure.deadline).isoformat()})
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
    if db.session.get_bind().dialect.name == "sqlite":
        # The driver opens the transaction before a write, not before a SAVEPOINT (whose
        # RELEASE would then commit on its own): a write that changes nothing opens it.
        db.session.execute(text("UPDATE signature_outcome SET id = id WHERE 0 = 1"))
    row = ProcedureOutcome(
        tenant_id=procedure.tenant_id,
        procedure_id=procedure.id,
        outcome=outcome.value,
        recorded_at=now(),
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


def _event(
    procedure: SignatureProcedure,
    kind: str,
    signer: ProcedureSigner | None = None,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict | None = None,
) -> SignerEvent:
    event = SignerEvent(
        tenant_id=procedure.tenant_id,
        procedure=procedure,
        signer=signer,
        kind=kind,
        at=now(),
        ip=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:300] or None,
        details=details or {},
    )
    db.session.add(event)
    return event


def _lock(procedure: SignatureProcedure) -> None:
    """Hold the procedure's row until the transaction ends (PostgreSQL; SQLite has one writer)
    and read it again: two signers, or a signer and the expiry job, never act on a stale state."""
    if procedure.id is None:
        return
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite locks the whole database on the first write, not on a read: a write that
        # changes nothing takes the lock now, so what is read next is the latest.
        db.session.execute(text("UPDATE signature_procedure SET id = id WHERE 0 = 1"))
    db.session.execute(
        select(SignatureProcedure)
        .where(SignatureProcedure.id == procedure.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # Signers and document versions as the last holder of the lock left them (two parallel
    # signers: the second seals the first's version, and sees that everyone has signed).
    for model in (SignatureDocument, ProcedureSigner):
        db.session.scalars(
            select(model)
            .where(model.procedure_id == procedure.id)
            .execution_options(populate_existing=True)
        ).all()


def _new_reference() -> str:
    for _attempt in range(10):
        reference = "SIG-" + "".join(
            secrets.choice(rules.REFERENCE_ALPHABET) for _ in range(rules.REFERENCE_LENGTH)
        )
        taken = db.session.scalar(
            select(SignatureProcedure.id).where(SignatureProcedure.reference == reference)
        )
        if taken is None:
            return reference
    raise RuntimeError("no free signature reference")


def _subject(subject) -> tuple[str | None, int | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        return subject[0], subject[1]
    return type(subject).__name__, subject.id


def _checked_document(document: NewDocument) -> tuple[NewDocument, int]:
    """The document and its page count; a PDF that cannot be read is refused."""
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
