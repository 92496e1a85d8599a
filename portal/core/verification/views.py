"""Request handlers of the agent's verification pages."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.accounts import (
    current_account,
    current_profile,
    holder_required,
    profile_required,
)
from portal.core.accounts.validators import display_phone
from portal.core.identity import identity_provider
from portal.core.pdf import render_pdf
from portal.core.pricing import price_list
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.verification import mandate as mandate_module
from portal.core.verification import operations
from portal.core.verification.forms import (
    DocumentUploadForm,
    IdentityStartForm,
    MandateSignForm,
)
from portal.core.verification.models import (
    DocumentKind,
    ProfessionalDocument,
    VerificationStatus,
)
from portal.core.verification.readiness import readiness
from portal.extensions import db

# SPEC §2 / manual §7: 14.40 € incl. VAT, unless the credits module prices it otherwise.
IDENTITY_PRICE_CODE = "identity_verification"
IDENTITY_DEFAULT_PRICE_CENTS = 1440


@profile_required
def checklist():
    account = current_account()
    return render_template(
        "verification/checklist.html",
        items=readiness(account),
        identified=operations.is_strongly_identified(account),
    )


@profile_required
def documents():
    account = current_account()
    default_kind = DocumentKind.ORIAS_CERTIFICATE if account.orias else DocumentKind.STATUTES
    form = DocumentUploadForm(data={"kind": default_kind.value})
    if form.validate_on_submit():
        upload = form.file.data
        try:
            operations.upload_document(
                account,
                current_profile(),
                DocumentKind(form.kind.data),
                upload.stream,
                upload.filename,
            )
        except operations.UploadRefused as exc:
            form.file.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Justificatif reçu : notre équipe va le vérifier."), "success")
            return redirect(url_for(".documents"))
    return render_template(
        "verification/documents.html",
        form=form,
        documents=operations.account_documents(account),
        today=operations.tenant_today(current_tenant()),
    )


@profile_required
def document_file(document_id: int):
    document = db.session.scalar(
        select(ProfessionalDocument).where(
            ProfessionalDocument.id == document_id,
            ProfessionalDocument.account_id == current_account().id,
        )
    )
    if document is None:
        abort(404)
    return send_stored_file(
        document.storage_key, download_name=document.filename, mimetype=document.content_type
    )


@holder_required
def mandate():
    account, tenant = current_account(), current_tenant()
    signed = operations.account_mandate(account)
    if signed is not None:
        if request.method == "POST":  # signed once: a second signature is never recorded
            flash(_("Le mandat a déjà été signé."), "info")
            return redirect(url_for(".mandate"))
        return render_template("verification/mandate_signed.html", mandate=signed)
    text = mandate_module.mandate_text(account, tenant)
    form = MandateSignForm(data={"text_sha256": mandate_module.fingerprint(text)})
    if form.validate_on_submit():
        try:
            operations.sign_mandate(
                account, current_profile(), tenant, form.password.data, form.text_sha256.data
            )
        except operations.WrongPassword as exc:
            form.password.errors.append(exc.message)
        except operations.MandateAlreadySigned as exc:
            db.session.rollback()
            flash(exc.message, "info")
            return redirect(url_for(".mandate"))
        except operations.MandateChanged as exc:
            form.form_errors.append(exc.message)
            form.text_sha256.data = mandate_module.fingerprint(text)
        else:
            db.session.commit()
            flash(_("Mandat signé. Merci !"), "success")
            return redirect(url_for(".mandate"))
    return render_template(
        "verification/mandate.html", form=form, paragraphs=mandate_module.paragraphs(text)
    )


@holder_required
def mandate_pdf():
    signed = operations.account_mandate(current_account())
    if signed is None:
        abort(404)
    pdf = render_pdf(
        "verification/pdf/mandate.html",
        mandate=signed,
        paragraphs=mandate_module.paragraphs(signed.text or ""),
        recipient=[],
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = "attachment; filename=mandat-plateforme.pdf"
    response.cache_control.private = True
    return response


def _identity_price_cents() -> int:
    item = price_list(current_tenant()).get(IDENTITY_PRICE_CODE)
    return item.price_cents if item is not None else IDENTITY_DEFAULT_PRICE_CENTS


@holder_required
def identity():
    account = current_account()
    latest = operations.latest_identity_verification(account)
    if latest is not None and operations.refresh_identity_verification(latest):
        db.session.commit()  # the provider's answer arrived before its notification
    form = IdentityStartForm()
    if form.validate_on_submit():
        try:
            operations.start_identity_verification(account, current_profile(), current_tenant())
        except operations.IdentityStartRefused as exc:
            db.session.rollback()  # nothing started, nothing charged
            form.form_errors.append(exc.message)
            latest = operations.latest_identity_verification(account)
        else:
            db.session.commit()
            flash(
                _(
                    "Un e-mail contenant le lien de vérification a été envoyé à %(email)s.",
                    email=account.email,
                ),
                "success",
            )
            return redirect(url_for(".identity"))
    link = None
    if latest is not None and latest.status == VerificationStatus.STARTED and latest.provider_ref:
        link = identity_provider().link(latest.provider_ref)
    return render_template(
        "verification/identity.html",
        form=form,
        account=account,
        mobile=display_phone(account.mobile) if account.mobile else None,
        latest=latest,
        link=link,
        may_start=operations.may_start_identity_verification(account),
        price=format_currency(_identity_price_cents() / 100, "EUR"),
    )
