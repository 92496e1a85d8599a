"""Back-office review of professional identity documents: the queue, a document, the decision.

Staff pages across tenants; each decision is audited and emailed to the account holder.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core import uploads
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.plugins import hookimpl
from portal.core.storage import send_stored_file, storage
from portal.core.tenants import Tenant
from portal.core.verification import review
from portal.core.verification.forms import ApproveDocumentForm, RejectDocumentForm
from portal.core.verification.models import DocumentStatus, ProfessionalDocument
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PAGE_SIZE = 50


def _tenant_names() -> dict[int, str]:
    return dict(db.session.execute(select(Tenant.id, Tenant.name)).all())


@handler(Access.STAFF)
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


def _preview_pages(document) -> range:
    """The pages of a PDF document shown as images (the first ones), from 1."""
    if document.content_type != uploads.PDF.content_type:
        return range(0)
    count = uploads.pdf_page_count(storage().read(document.storage_key))
    return range(1, min(count, uploads.PREVIEW_PAGES) + 1)


def _detail(document, approve_form=None, reject_form=None, status=200):
    if approve_form is None:
        approve_form = ApproveDocumentForm(
            prefix="approve", data={"expires_on": review.default_expiry(document)}
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
            preview_pages=_preview_pages(document),
        ),
        status,
    )


ONE_DOCUMENT = {"document_id": ProfessionalDocument}


@handler(Access.STAFF, load=ONE_DOCUMENT)
def document(document: ProfessionalDocument):
    return _detail(document)


@handler(Access.STAFF, load=ONE_DOCUMENT)
def document_file(document: ProfessionalDocument):
    """The file itself: an image is shown in the browser (its type was checked by content at
    upload); a PDF is only downloaded — operators look at its rendered pages."""
    is_pdf = document.content_type == uploads.PDF.content_type
    return send_stored_file(
        document.storage_key,
        download_name=document.filename,
        mimetype=document.content_type,
        as_attachment=is_pdf or request.args.get("download") == "1",
    )


@handler(Access.STAFF, load=ONE_DOCUMENT)
def document_page(document: ProfessionalDocument, page: int):
    """Page ``page`` (from 1) of a PDF document, rendered as a PNG image."""
    if document.content_type != uploads.PDF.content_type or not 1 <= page <= uploads.PREVIEW_PAGES:
        abort(404)
    try:
        png = uploads.render_pdf_page(storage().read(document.storage_key), page - 1)
    except (IndexError, FileNotFoundError):
        abort(404)
    response = Response(png, mimetype="image/png")
    response.cache_control.private = True
    return response


@handler(Access.STAFF, load=ONE_DOCUMENT)
def approve(document: ProfessionalDocument):
    return _decide(
        document,
        "approve_form",
        ApproveDocumentForm(prefix="approve"),
        lambda document, form: review.approve_document(
            document, current_staff(), form.expires_on.data
        ),
        field="expires_on",
        done=_("Justificatif validé ; le titulaire du compte est prévenu par e-mail."),
    )


@handler(Access.STAFF, load=ONE_DOCUMENT)
def reject(document: ProfessionalDocument):
    return _decide(
        document,
        "reject_form",
        RejectDocumentForm(prefix="reject"),
        lambda document, form: review.reject_document(document, current_staff(), form.reason.data),
        field="reason",
        done=_("Justificatif refusé ; le titulaire du compte est prévenu par e-mail."),
    )


def _decide(document, form_name: str, form, decide, *, field: str, done: str):
    """Validate the decision's form, decide, then back to the queue; a document decided meanwhile
    (by a colleague) is shown as it now is, a refused decision keeps the form with its error and
    writes nothing."""
    if not form.validate_on_submit():
        return _detail(document, **{form_name: form})
    try:
        with db.session.begin_nested():
            decide(document, form)
    except review.AlreadyReviewed as exc:
        flash(exc.message, "info")
        return redirect(url_for("backoffice.verification_document", document_id=document.id))
    except review.VerificationError as exc:
        form[field].errors.append(exc.message)
        return _detail(document, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("backoffice.verification_queue"))


@hookimpl
def backoffice_pages():
    post = ("POST",)
    return [
        BackofficePage("/justificatifs", "verification_queue", queue),
        BackofficePage("/justificatifs/<int:document_id>", "verification_document", document),
        BackofficePage(
            "/justificatifs/<int:document_id>/fichier", "verification_document_file", document_file
        ),
        BackofficePage(
            "/justificatifs/<int:document_id>/pages/<int:page>.png",
            "verification_document_page",
            document_page,
        ),
        BackofficePage(
            "/justificatifs/<int:document_id>/valider", "verification_approve", approve, post
        ),
        BackofficePage(
            "/justificatifs/<int:document_id>/refuser", "verification_reject", reject, post
        ),
    ]


@hookimpl
def backoffice_menu_items():
    return [BackofficeMenuItem(_l("Justificatifs à vérifier"), "verification_queue", order=200)]
