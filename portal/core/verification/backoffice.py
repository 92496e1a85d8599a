"""Back-office review of professional identity documents: the queue, a document, the decision.

Pages run unscoped (across tenants) behind ``staff_required``; each decision is audited and
emailed to the account holder.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core.backoffice import current_staff, register_page, staff_required
from portal.core.storage import send_stored_file
from portal.core.tenants import Tenant
from portal.core.verification import operations
from portal.core.verification.forms import ApproveDocumentForm, RejectDocumentForm
from portal.core.verification.models import DocumentStatus, ProfessionalDocument
from portal.extensions import db

PAGE_SIZE = 50


def _document_or_404(document_id: int) -> ProfessionalDocument:
    document = db.session.get(ProfessionalDocument, document_id)
    if document is None:
        abort(404)
    return document


def _tenant_names() -> dict[int, str]:
    return dict(db.session.execute(select(Tenant.id, Tenant.name)).all())


def queue():
    """Pending documents of every tenant, oldest first."""
    page = max(1, request.args.get("page", 1, type=int))
    pending = ProfessionalDocument.status == DocumentStatus.PENDING
    total = db.session.scalar(select(func.count()).where(pending))
    documents = db.session.scalars(
        select(ProfessionalDocument)
        .where(pending)
        .order_by(ProfessionalDocument.created_at, ProfessionalDocument.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "backoffice/verification/queue.html",
        documents=documents,
        tenant_names=_tenant_names(),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


def _detail(document, approve_form=None, reject_form=None, status=200):
    if approve_form is None:
        approve_form = ApproveDocumentForm(
            prefix="approve", data={"expires_on": operations.default_expiry(document)}
        )
    history = db.session.scalars(
        select(ProfessionalDocument)
        .where(
            ProfessionalDocument.account_id == document.account_id,
            ProfessionalDocument.id != document.id,
        )
        .order_by(ProfessionalDocument.id.desc())
    ).all()
    return (
        render_template(
            "backoffice/verification/document.html",
            document=document,
            account=document.account,
            tenant_name=_tenant_names().get(document.tenant_id, ""),
            approve_form=approve_form,
            reject_form=reject_form or RejectDocumentForm(prefix="reject"),
            history=history,
        ),
        status,
    )


def document(document_id: int):
    return _detail(_document_or_404(document_id))


def document_file(document_id: int):
    """The file itself, shown in the browser (its type was checked by content at upload)."""
    document = _document_or_404(document_id)
    inline = request.args.get("download") != "1"
    return send_stored_file(
        document.storage_key,
        download_name=document.filename,
        mimetype=document.content_type,
        as_attachment=not inline,
    )


def approve(document_id: int):
    return _decide(
        document_id,
        "approve_form",
        ApproveDocumentForm(prefix="approve"),
        lambda document, form: operations.approve_document(
            document, current_staff(), form.expires_on.data
        ),
        field="expires_on",
        done=_("Justificatif validé ; le titulaire du compte est prévenu par e-mail."),
    )


def reject(document_id: int):
    return _decide(
        document_id,
        "reject_form",
        RejectDocumentForm(prefix="reject"),
        lambda document, form: operations.reject_document(
            document, current_staff(), form.reason.data
        ),
        field="reason",
        done=_("Justificatif refusé ; le titulaire du compte est prévenu par e-mail."),
    )


def _decide(document_id: int, form_name: str, form, decide, *, field: str, done: str):
    """Validate the decision's form, decide, then back to the queue; a document decided meanwhile
    (by a colleague) is shown as it now is, a refused decision keeps the form with its error."""
    document = _document_or_404(document_id)
    if not form.validate_on_submit():
        return _detail(document, **{form_name: form})
    try:
        decide(document, form)
    except operations.AlreadyReviewed as exc:
        flash(exc.message, "info")
        return redirect(url_for("backoffice.verification_document", document_id=document.id))
    except operations.VerificationError as exc:
        form[field].errors.append(exc.message)
        return _detail(document, **{form_name: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("backoffice.verification_queue"))


def register_backoffice_pages() -> None:
    """Add the review pages to the back office (idempotent: ``register_page`` is)."""
    staff = staff_required()
    register_page(
        "/justificatifs",
        "verification_queue",
        staff(queue),
        label=_l("Justificatifs à vérifier"),
        order=200,
    )
    register_page("/justificatifs/<int:document_id>", "verification_document", staff(document))
    register_page(
        "/justificatifs/<int:document_id>/fichier",
        "verification_document_file",
        staff(document_file),
    )
    register_page(
        "/justificatifs/<int:document_id>/valider",
        "verification_approve",
        staff(approve),
        methods=("POST",),
    )
    register_page(
        "/justificatifs/<int:document_id>/refuser",
        "verification_reject",
        staff(reject),
        methods=("POST",),
    )
