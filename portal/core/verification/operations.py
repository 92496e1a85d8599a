"""Actions of the verification module. Each runs in the caller's transaction (the view or job
commits) and writes its audit entry there.

* professional identity documents: upload (agent), approve / reject (operator);
* the platform mandate, signed once by the holder;
* strong identity verification: start (charged through the ``on_identity_verification_started``
  hook), then follow the provider's session until it is verified or failed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from portal.core import audit, uploads
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.passwords import verify_password
from portal.core.backoffice.models import StaffUser
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.identity import FINAL, identity_provider
from portal.core.mail.jobs import queue_email
from portal.core.plugins import current_plugins
from portal.core.storage import storage, tenant_key
from portal.core.tenants import active_tenant_id, tenant_directory, tenant_scope
from portal.core.tenants.config import CurrentTenant
from portal.core.uploads import read_document
from portal.core.verification import mandate as mandate_text_module
from portal.core.verification.models import (
    DocumentKind,
    DocumentStatus,
    IdentityVerification,
    PlatformMandate,
    ProfessionalDocument,
    VerificationStatus,
)
from portal.core.verification.rules import add_months
from portal.extensions import db

log = logging.getLogger(__name__)


class VerificationError(ValueError):
    """An action refused for a reason the user can fix; ``message`` is shown to them."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class UploadRefused(VerificationError):
    pass


class AlreadyReviewed(VerificationError):
    pass


class MandateAlreadySigned(VerificationError):
    pass


class WrongPassword(VerificationError):
    pass


class MandateChanged(VerificationError):
    pass


class IdentityStartRefused(VerificationError):
    pass


def tenant_today(tenant: CurrentTenant) -> date:
    return datetime.now(ZoneInfo(tenant.config.timezone)).date()


def _tenant_of(tenant_id: int) -> CurrentTenant:
    return tenant_directory().get(tenant_id)


def _locale(tenant: CurrentTenant) -> str:
    """The language of an email: the user's page language in a request, else the tenant's."""
    if has_request_context() and not _is_backoffice():
        return str(get_locale())
    return tenant.config.default_locale


def _is_backoffice() -> bool:
    from flask import g

    return bool(g.get("backoffice"))


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


# --- Professional identity documents -------------------------------------------------------------


def upload_document(
    account: Account,
    profile: Profile,
    kind: DocumentKind,
    stream: BinaryIO,
    declared_name: str | None,
) -> ProfessionalDocument:
    """Store a professional identity document, pending the operator's review.

    The type is judged by the content (PDF, JPEG or PNG), never by the declared name.
    """
    try:
        document_file = read_document(stream, declared_name, default_name="justificatif")
    except uploads.UploadRefused as exc:
        raise UploadRefused(exc.message) from None
    data, file_type = document_file.data, document_file.file_type
    key = tenant_key(
        account.tenant_id,
        "accounts",
        str(account.id),
        "documents",
        uuid.uuid4().hex + file_type.extension,
    )
    storage().put(key, data, file_type.content_type)
    document = ProfessionalDocument(
        account_id=account.id,
        kind=kind,
        storage_key=key,
        filename=document_file.filename,
        content_type=file_type.content_type,
        size=len(data),
        status=DocumentStatus.PENDING,
        uploaded_by_profile_id=profile.id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "verification.document_uploaded",
        target=document,
        kind=kind.value,
        size=len(data),
        **audit.by_account(account, profile),
    )
    return document


def account_documents(account: Account) -> list[ProfessionalDocument]:
    return list(
        db.session.scalars(
            select(ProfessionalDocument)
            .where(ProfessionalDocument.account_id == account.id)
            .order_by(ProfessionalDocument.created_at.desc(), ProfessionalDocument.id.desc())
        )
    )


def has_valid_document(account: Account, today: date) -> bool:
    """An approved document that has not expired (valid through its expiry day)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ProfessionalDocument.account_id == account.id,
                    ProfessionalDocument.status == DocumentStatus.APPROVED,
                    ProfessionalDocument.expires_on >= today,
                )
            )
        )
    )


def default_expiry(document: ProfessionalDocument) -> date:
    tenant = _tenant_of(document.tenant_id)
    return add_months(tenant_today(tenant), tenant.config.accounts.document_validity_months)


def _check_pending(document: ProfessionalDocument) -> None:
    if document.status != DocumentStatus.PENDING:
        raise AlreadyReviewed(_("Ce justificatif a déjà été traité."))


def approve_document(document: ProfessionalDocument, staff: StaffUser, expires_on: date) -> None:
    """The operator accepts the document until ``expires_on`` (a future date); the holder is
    told by email. Runs in the back office (unscoped)."""
    _check_pending(document)
    tenant = _tenant_of(document.tenant_id)
    if expires_on <= tenant_today(tenant):
        raise VerificationError(_("La date de fin de validité doit être dans le futur."))
    document.status = DocumentStatus.APPROVED
    document.expires_on = expires_on
    document.rejection_reason = None
    document.reviewed_by_id = staff.id
    document.reviewed_at = now()
    audit.record(
        "verification.document_approved",
        target=document,
        account_id=document.account_id,
        expires_on=expires_on.isoformat(),
        **audit.by_staff(staff, document.tenant_id),
    )
    _tell_holder(document, tenant, "document_approved", N_("Votre justificatif a été validé"))


def reject_document(document: ProfessionalDocument, staff: StaffUser, reason: str) -> None:
    """The operator refuses the document; the holder sees ``reason`` and is told by email."""
    _check_pending(document)
    reason = (reason or "").strip()
    if not reason:
        raise VerificationError(_("Indiquez le motif du refus."))
    tenant = _tenant_of(document.tenant_id)
    document.status = DocumentStatus.REJECTED
    document.rejection_reason = reason[:500]
    document.reviewed_by_id = staff.id
    document.reviewed_at = now()
    audit.record(
        "verification.document_rejected",
        target=document,
        account_id=document.account_id,
        reason=document.rejection_reason,
        **audit.by_staff(staff, document.tenant_id),
    )
    _tell_holder(document, tenant, "document_rejected", N_("Votre justificatif a été refusé"))


def _tell_holder(document, tenant: CurrentTenant, template: str, subject: str) -> None:
    account = document.account
    # Staff pages run unscoped; the email job belongs to the document's tenant.
    with tenant_scope(document.tenant_id):
        queue_email(
            template,
            to=account.email,
            subject=subject,
            locale=tenant.config.default_locale,
            holder_name=account.holder_name,
            kind=document.kind.value,
            filename=document.filename,
            expires_on=document.expires_on.isoformat() if document.expires_on else None,
            reason=document.rejection_reason,
        )


# --- Platform mandate ----------------------------------------------------------------------------


def account_mandate(account: Account) -> PlatformMandate | None:
    return db.session.scalar(
        select(PlatformMandate).where(PlatformMandate.account_id == account.id)
    )


def sign_mandate(
    account: Account, profile: Profile, tenant: CurrentTenant, password: str, shown_sha256: str
) -> PlatformMandate:
    """The holder signs the mandate once: the password typed again is the signature.

    ``shown_sha256`` is the fingerprint of the text the holder read: if the text changed since
    (account details edited meanwhile) the signature is refused and the new text shown.
    """
    if account_mandate(account) is not None:
        raise MandateAlreadySigned(_("Le mandat a déjà été signé."))
    if not verify_password(account.password_hash, password):
        raise WrongPassword(_("Mot de passe incorrect."))
    text = mandate_text_module.mandate_text(account, tenant)
    sha256 = mandate_text_module.fingerprint(text)
    if sha256 != shown_sha256:
        raise MandateChanged(
            _("Le texte du mandat a changé depuis son affichage : relisez-le avant de signer.")
        )
    mandate = PlatformMandate(
        account_id=account.id,
        signer_name=account.holder_name,
        text=text,
        text_sha256=sha256,
        signed_at=now(),
        ip=_ip(),
    )
    db.session.add(mandate)
    db.session.flush()
    audit.record(
        "verification.mandate_signed",
        target=mandate,
        text_sha256=sha256,
        **audit.by_account(account, profile),
    )
    return mandate


# --- Strong identity verification ----------------------------------------------------------------


def latest_identity_verification(account: Account) -> IdentityVerification | None:
    return db.session.scalar(
        select(IdentityVerification)
        .where(IdentityVerification.account_id == account.id)
        .order_by(IdentityVerification.id.desc())
        .limit(1)
    )


def is_strongly_identified(account: Account) -> bool:
    """The holder passed a strong (eIDAS) identity verification: the account is "identifié"."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    IdentityVerification.account_id == account.id,
                    IdentityVerification.status == VerificationStatus.VERIFIED,
                )
            )
        )
    )


def may_start_identity_verification(account: Account) -> bool:
    """Once verified, never again; while one is under way, not a second one."""
    latest = latest_identity_verification(account)
    return latest is None or latest.status == VerificationStatus.FAILED


def start_identity_verification(
    account: Account, profile: Profile, tenant: CurrentTenant
) -> tuple[IdentityVerification, str]:
    """Record a verification, let the hooks charge it, open the provider's session and email
    the link. Returns the verification and the link.

    Raises :class:`IdentityStartRefused` when a hook refuses — e.g. the credits module with "not
    enough credit": its message is shown to the holder. A refused start leaves nothing behind
    (nothing started, nothing charged); the caller's other writes stay.
    """
    with db.session.begin_nested():
        return _start_identity_verification(account, profile, tenant)


def _start_identity_verification(
    account: Account, profile: Profile, tenant: CurrentTenant
) -> tuple[IdentityVerification, str]:
    # One start at a time per account: two clicks must not charge twice.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    if not may_start_identity_verification(account):
        raise IdentityStartRefused(_("Une vérification d'identité est déjà en cours ou réussie."))
    if not account.mobile:
        raise IdentityStartRefused(
            _("Ajoutez votre téléphone portable à votre compte avant la vérification.")
        )
    provider = identity_provider()
    verification = IdentityVerification(
        account_id=account.id,
        provider=provider.name,
        status=VerificationStatus.STARTED,
        started_at=now(),
    )
    db.session.add(verification)
    db.session.flush()
    try:
        current_plugins().call_each(
            "on_identity_verification_started",
            tenant=tenant,
            account=account,
            verification=verification,
        )
    except Exception as exc:
        log.info("identity verification start refused by a hook: %r", exc)
        raise IdentityStartRefused(_hook_message(exc)) from exc
    started = provider.start(verification, account)
    verification.provider_ref = started.provider_ref
    audit.record(
        "verification.identity_started",
        target=verification,
        provider=provider.name,
        **audit.by_account(account, profile),
    )
    queue_email(
        "identity_link",
        to=account.email,
        subject=N_("Votre lien de vérification d'identité"),
        locale=_locale(tenant),
        holder_name=account.holder_name,
        link=started.link,
        reference=started.provider_ref[:8],
    )
    return verification, started.link


def _hook_message(exc: Exception) -> str:
    """The refusing hook's own message (it is written for the holder), never database details."""
    message = str(exc).strip()
    if not message or isinstance(exc, SQLAlchemyError):
        return _("La vérification n'a pas pu être démarrée. Réessayez plus tard.")
    return message


def refresh_identity_verification(verification: IdentityVerification) -> bool:
    """Ask the provider where the session stands and record any change (idempotent).

    Returns True when something changed; on a final answer the holder is emailed.
    """
    if verification.status in (VerificationStatus.VERIFIED, VerificationStatus.FAILED):
        return False
    if not verification.provider_ref:
        return False
    answer = identity_provider().status(verification.provider_ref)
    new_status = VerificationStatus(answer.status)
    if new_status == verification.status:
        return False
    verification.status = new_status
    if answer.status in FINAL:
        verification.completed_at = now()
        verification.failure_reason = answer.reason if new_status == "failed" else None
    account = verification.account
    audit.record(
        f"verification.identity_{new_status.value}",
        **audit.by_system(verification.provider, verification.tenant_id),
        target=verification,
        account_id=account.id,
        reason=verification.failure_reason,
    )
    if answer.status in FINAL:
        tenant = _tenant_of(verification.tenant_id)
        queue_email(
            "identity_result",
            to=account.email,
            subject=(
                N_("Votre identité est vérifiée")
                if new_status == VerificationStatus.VERIFIED
                else N_("Votre vérification d'identité n'a pas abouti")
            ),
            locale=_locale(tenant),
            holder_name=account.holder_name,
            verified=new_status == VerificationStatus.VERIFIED,
            reason=verification.failure_reason,
        )
    return True


def provider_session_changed(provider_ref: str) -> IdentityVerification | None:
    """What a provider calls (webhook, job) when one of its sessions changed; tenant-scoped."""
    if active_tenant_id() is None:
        raise RuntimeError("provider_session_changed runs in the session's tenant scope")
    verification = db.session.scalar(
        select(IdentityVerification).where(IdentityVerification.provider_ref == provider_ref)
    )
    if verification is not None:
        refresh_identity_verification(verification)
    return verification
