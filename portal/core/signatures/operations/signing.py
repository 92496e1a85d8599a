"""The signer's steps: opening the link, the identity document, the acceptance boxes, the code
by SMS, the signature (a seal per document to sign, the last one completing the procedure) or the
refusal."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import clock, uploads
from portal.core.signatures import rules
from portal.core.signatures.errors import (
    CodeExpired,
    CodeNotSent,
    CodeThrottled,
    IdentityDocumentRequired,
    LinkInvalid,
    MissingAcceptance,
    SignatureError,
    SigningUnavailable,
    TooManyTries,
    UploadRefused,
    WrongCode,
)
from portal.core.signatures.models import (
    ProcedureSigner,
    ProcedureState,
    SignatureDocument,
    SignatureProcedure,
    SignerState,
)
from portal.core.signatures.operations.links import require_turn, signer_url
from portal.core.signatures.operations.procedures import (
    add_event,
    invite_turn,
    lock,
    record_outcome,
)
from portal.core.signatures.providers.base import DocumentRole
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_directory
from portal.extensions import db

log = logging.getLogger(__name__)
_OTP_PURPOSE = b"signature-otp:"


# --- the signer's steps ------------------------------------------------------------------------


def open_for_agent(procedure: SignatureProcedure, signer: ProcedureSigner, profile) -> str:
    """In person: the agent opens the signer's pages on their own screen; returns the URL."""
    if signer.procedure_id != procedure.id:
        raise LinkInvalid()
    require_turn(signer)
    add_event(
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
    signer.opened_at = clock.now()
    if signer.state == SignerState.INVITED:
        signer.state = SignerState.OPENED
    add_event(signer.procedure, "opened", signer, ip=ip, user_agent=user_agent)


def upload_identity_document(signer: ProcedureSigner, stream: BinaryIO, filename: str) -> None:
    """Keep the signer's identity document (PDF, JPEG or PNG of 10 MB at most, judged by its
    content); raises :class:`UploadRefused`."""
    require_turn(signer)
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
    add_event(
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
    require_turn(signer)
    if document.procedure_id != signer.procedure_id:
        raise LinkInvalid()
    own = {box.id: box for box in document.acceptance_boxes}
    ticked = {int(box_id) for box_id in box_ids if int(box_id) in own}
    if any(box.required and box.id not in ticked for box in own.values()):
        raise MissingAcceptance(document.position)
    kept = [box_id for box_id in signer.accepted_box_ids or [] if box_id not in own]
    signer.accepted_box_ids = sorted({*kept, *ticked})  # a new list: the JSON column changes
    add_event(
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
    lock(signer.procedure)
    require_turn(signer)
    _check_ready(signer)
    moment = clock.now()
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
    add_event(signer.procedure, "code_sent", signer, details={"mobile": masked})
    return masked


def _check_code(signer: ProcedureSigner, code: str) -> None:
    if not signer.otp_hash:
        if signer.otp_sent_count and signer.otp_attempts >= rules.OTP_MAX_TRIES:
            raise TooManyTries()
        raise CodeNotSent()
    if clock.now() >= rules.aware(signer.otp_expires_at):
        raise CodeExpired()
    given = "".join((code or "").split())
    if hmac.compare_digest(signer.otp_hash, _otp_hash(signer, given)):
        return
    signer.otp_attempts = (signer.otp_attempts or 0) + 1
    left = rules.otp_tries_left(signer.otp_attempts)
    add_event(signer.procedure, "code_failed", signer, details={"tries_left": left})
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
    lock(procedure)
    require_turn(signer)
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
    moment = clock.now()
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
    add_event(
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
        invite_turn(procedure)


def _signature_reason(procedure: SignatureProcedure) -> str:
    from portal.core.i18n import force_locale

    with force_locale(procedure.locale):
        return _("Signature électronique de « %(title)s »", title=procedure.title)


def _finish(procedure: SignatureProcedure) -> None:
    """Every signer signed: archive the signed PDFs and the sealed audit trail as proofs."""
    from portal.core import evidence
    from portal.core.signatures import sealing

    procedure.state = ProcedureState.SIGNED
    procedure.completed_at = clock.now()
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
    add_event(procedure, "completed")
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


# --- the refusal ------------------------------------------------------------------------------


def decline(
    signer: ProcedureSigner, reason: str, *, ip: str | None, user_agent: str | None
) -> None:
    """The signer refuses to sign: the procedure ends DECLINED (every link dies)."""
    procedure = signer.procedure
    lock(procedure)
    require_turn(signer)
    reason = (reason or "").strip()
    if not reason:
        raise SignatureError(_l("Indiquez pourquoi vous refusez de signer."))
    moment = clock.now()
    signer.state = SignerState.DECLINED
    signer.declined_at = moment
    signer.decline_reason = reason
    signer.ip = (ip or "")[:45] or None
    signer.user_agent = (user_agent or "")[:300] or None
    signer.otp_hash = None
    procedure.state = ProcedureState.DECLINED
    procedure.completed_at = moment
    add_event(
        procedure,
        "declined",
        signer,
        ip=signer.ip,
        user_agent=signer.user_agent,
        details={"reason": reason},
    )
    record_outcome(procedure, ProcedureState.DECLINED)
