"""The operator's review of professional documents: approved until a date, or rejected with a
reason; the holder is told by email either way. Runs in the back office (unscoped); the caller
commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.core import audit, clock
from portal.core.backoffice.models import StaffUser
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.mail.jobs import queue_email
from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.tenants.config import CurrentTenant
from portal.core.verification.errors import AlreadyReviewed, VerificationError
from portal.core.verification.models import DocumentStatus, ProfessionalDocument
from portal.core.verification.rules import add_months


def default_expiry(document: ProfessionalDocument) -> date:
    tenant = tenant_directory().get(document.tenant_id)
    return add_months(clock.today(tenant), tenant.config.accounts.document_validity_months)


def _check_pending(document: ProfessionalDocument) -> None:
    if document.status != DocumentStatus.PENDING:
        raise AlreadyReviewed(_("Ce justificatif a déjà été traité."))


def approve_document(document: ProfessionalDocument, staff: StaffUser, expires_on: date) -> None:
    """The operator accepts the document until ``expires_on`` (a future date); the holder is
    told by email. Runs in the back office (unscoped)."""
    _check_pending(document)
    tenant = tenant_directory().get(document.tenant_id)
    if expires_on <= clock.today(tenant):
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
    tenant = tenant_directory().get(document.tenant_id)
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
