"""Request handlers of the agent's verification pages."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import clock
from portal.core.accounts import current_account, current_profile
from portal.core.accounts.validators import display_phone
from portal.core.i18n import format_money
from portal.core.identity import identity_provider
from portal.core.pricing import price_list
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.verification import identification
from portal.core.verification import mandate as mandate_module
from portal.core.verification.documents import account_documents, upload_document
from portal.core.verification.errors import (
    IdentityStartRefused,
    MandateAlreadySigned,
    MandateChanged,
    UploadRefused,
    VerificationError,
)
from portal.core.verification.forms import (
    DocumentUploadForm,
    IdentityStartForm,
    MandateSignForm,
)
from portal.core.verification.mandate_signature import (
    account_mandate,
    pending_request,
    start_mandate_signature,
)
from portal.core.verification.mandate_signature import mandate_pdf as mandate_pdf_bytes
from portal.core.verification.mobile import IdentityMobileForm, change_mobile
from portal.core.verification.models import (
    DocumentKind,
    ProfessionalDocument,
    VerificationStatus,
)
from portal.core.verification.readiness import readiness
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

# The strong identity verification costs 14.40 € incl. VAT unless the tenant prices it otherwise.
IDENTITY_PRICE_CODE = "identity_verification"
IDENTITY_DEFAULT_PRICE_CENTS = 1440


@handler(Access.PROFILE)
def checklist():
    account = current_account()
    return render_template(
        "verification/checklist.html",
        items=readiness(account),
        identified=identification.is_strongly_identified(account),
    )


@handler(Access.PROFILE)
def documents():
    account = current_account()
    default_kind = DocumentKind.ORIAS_CERTIFICATE if account.orias else DocumentKind.STATUTES
    form = DocumentUploadForm(data={"kind": default_kind.value})
    if form.validate_on_submit():
        upload = form.file.data
        try:
            upload_document(
                account,
                current_profile(),
                DocumentKind(form.kind.data),
                upload.stream,
                upload.filename,
            )
        except UploadRefused as exc:
            form.file.errors.append(exc.message)
        else:
            flash(_("Justificatif reçu : notre équipe va le vérifier."), "success")
            return redirect(url_for(".documents"))
    return render_template(
        "verification/documents.html",
        form=form,
        documents=account_documents(account),
        today=clock.today(current_tenant()),
    )


@handler(Access.PROFILE, load={"document_id": ProfessionalDocument})
def document_file(document: ProfessionalDocument):
    return send_stored_file(
        document.storage_key, download_name=document.filename, mimetype=document.content_type
    )


@handler(Access.HOLDER)
def mandate():
    """The mandate's text and « Signer le mandat », which opens its e-signature (SMS code) on
    this screen; the holder's mobile is asked first when the account has none."""
    from portal.core.signatures.errors import SignatureError

    account, tenant = current_account(), current_tenant()
    signed = account_mandate(account)
    if signed is not None:
        if request.method == "POST":  # signed once: a second signature is never started
            flash(_("Le mandat a déjà été signé."), "info")
            return redirect(url_for(".mandate"))
        return render_template("verification/mandate_signed.html", mandate=signed)
    text = mandate_module.mandate_text(account, tenant)
    form = MandateSignForm(data={"text_sha256": mandate_module.fingerprint(text)})
    mobile_form = IdentityMobileForm(
        prefix="mobile", data={"mobile": display_phone(account.mobile) if account.mobile else ""}
    )
    if request.method == "POST" and mobile_form.mobile.name in request.form:
        if mobile_form.validate_on_submit():
            if change_mobile(account, current_profile(), mobile_form.mobile.data):
                flash(_("Votre téléphone portable est enregistré."), "success")
            return redirect(url_for(".mandate"))
    elif form.validate_on_submit():
        try:
            url = start_mandate_signature(account, current_profile(), tenant, form.text_sha256.data)
        except MandateAlreadySigned as exc:
            flash(exc.message, "info")
            return redirect(url_for(".mandate"))
        except MandateChanged as exc:
            form.form_errors.append(exc.message)
            form.text_sha256.data = mandate_module.fingerprint(text)
        except SignatureError as exc:
            form.form_errors.append(exc.message)
        except VerificationError as exc:  # no mobile: said next to the mobile field
            mobile_form.mobile.errors = [exc.message]
        else:
            return redirect(url)
    return render_template(
        "verification/mandate.html",
        form=form,
        mobile_form=mobile_form,
        mobile=display_phone(account.mobile) if account.mobile else None,
        paragraphs=mandate_module.paragraphs(text),
        pending=pending_request(account) is not None,
    )


@handler(Access.HOLDER)
def mandate_pdf():
    """The signed mandate: the sealed PDF of its e-signature, or — signed with the password
    before e-signatures — a copy of the text with that signature's details."""
    from portal.core.evidence import EvidenceRecord

    signed = account_mandate(current_account())
    if signed is None:
        abort(404)
    if signed.signed_document_record_id is not None:
        record = db.session.get(EvidenceRecord, signed.signed_document_record_id)
        if record is None or not record.storage_key:
            abort(404)
        return send_stored_file(
            record.storage_key,
            download_name="mandat-plateforme-signe.pdf",
            mimetype="application/pdf",
        )
    pdf = mandate_pdf_bytes(signed.text or "", current_tenant(), signed)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = "attachment; filename=mandat-plateforme.pdf"
    response.cache_control.private = True
    return response


def _identity_price_cents() -> int:
    item = price_list(current_tenant()).get(IDENTITY_PRICE_CODE)
    return item.price_cents if item is not None else IDENTITY_DEFAULT_PRICE_CENTS


@handler(Access.HOLDER)
def identity():
    account = current_account()
    latest = identification.latest_identity_verification(account)
    if latest is not None:
        identification.refresh_identity_verification(latest)  # its answer may precede its notice
    form = IdentityStartForm()
    mobile_form = IdentityMobileForm(
        prefix="mobile", data={"mobile": display_phone(account.mobile) if account.mobile else ""}
    )
    if request.method == "POST" and mobile_form.mobile.name in request.form:
        if mobile_form.validate_on_submit() and identification.may_start_identity_verification(
            account
        ):
            if change_mobile(account, current_profile(), mobile_form.mobile.data):
                flash(_("Votre téléphone portable est enregistré."), "success")
            return redirect(url_for(".identity"))
    elif form.validate_on_submit():
        try:
            identification.start_identity_verification(account, current_profile(), current_tenant())
        except IdentityStartRefused as exc:
            form.form_errors.append(exc.message)
            latest = identification.latest_identity_verification(account)
        else:
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
        mobile_form=mobile_form,
        latest=latest,
        link=link,
        may_start=identification.may_start_identity_verification(account),
        price=format_money(_identity_price_cents()),
    )
