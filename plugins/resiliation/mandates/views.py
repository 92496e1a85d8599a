"""Request handlers: the mandate and the sender of a letter (manual §5.5–5.6).

Every letter is loaded through the pipeline (``load={"letter_id": Letter}``): another account's
or tenant's letter — and so its files — is a 404. Views never commit."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from plugins.resiliation.i18n import _
from plugins.resiliation.mandates import operations
from plugins.resiliation.mandates.document import mandate_pdf
from plugins.resiliation.mandates.forms import (
    ActionForm,
    ElectronicForm,
    ScanForm,
    SenderForm,
    SourceForm,
    WithoutForm,
)
from plugins.resiliation.mandates.models import MandateSource
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import Sender
from portal.core import uploads
from portal.core.accounts import current_account, current_profile
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

LETTER = {"letter_id": Letter}


def letter_url(letter: Letter) -> str:
    """The letter's page (the mandate's first screen until that page exists)."""
    try:
        return url_for("resiliation.letter", letter_id=letter.id)
    except BuildError:
        return url_for("resiliation.mandate", letter_id=letter.id)


def _not_editable(letter: Letter):
    flash(_("Cette lettre est validée : son mandat ne peut plus changer."), "error")
    return redirect(letter_url(letter))


def _refused(letter: Letter, refusal: operations.MandateRefused):
    flash(refusal.message, "error")
    return redirect(letter_url(letter))


def _page(template: str, letter: Letter, status: int = 200, **context):
    return make_response(
        render_template(
            template,
            letter=letter,
            back_url=letter_url(letter),
            mp=panel(letter),
            **context,
        ),
        status,
    )


# --- what the panel and the pages show -----------------------------------------------------------


def panel(letter: Letter) -> dict:
    """What the mandate panel of the letter page shows (a template global,
    ``resiliation_mandate_panel(letter)``)."""
    from portal.core.accounts.models import Account
    from portal.core.signatures.agent_views import (
        deadline_parts,
        procedure_state_label,
        signer_state_label,
    )
    from portal.extensions import db

    tenant = current_tenant()
    row = operations.mandate_of(letter)
    procedure = operations.procedure_of(row)
    account = db.session.get(Account, letter.account_id)
    refusal = operations.platform_refusal(letter, tenant)
    settings = operations.settings(tenant)
    return {
        "row": row,
        "procedure": procedure,
        "procedure_state": str(procedure.state) if procedure else None,
        "procedure_state_label": procedure_state_label(procedure.state) if procedure else "",
        "deadline": deadline_parts(procedure.deadline) if procedure else None,
        "agency_name": account.commercial_name if account else "",
        "platform_name": operations.platform_name(tenant),
        "platform": letter.sender == Sender.PLATFORM,
        "may_attach": operations.agency_may_attach(letter, tenant),
        "platform_allowed": settings.allow_platform_sender,
        "platform_refusal": refusal if settings.allow_platform_sender else None,
        "agency_cutoff": settings.agency_cutoff.strftime("%H:%M").replace(":", "h"),
        "platform_cutoff": settings.platform_signature_cutoff.strftime("%H:%M").replace(":", "h"),
        "extra_cents": operations.esign_extra_cents(letter, tenant),
        "kind": letter.mandate_kind,
        "ready": letter.mandate_ready_at is not None,
        "editable": letter.editable,
        "signer_state": signer_state_label,
        "kinds": MandateKind,
        "sources": MandateSource,
        "action_form": ActionForm(),
    }


def _deadline_text(letter: Letter) -> str:
    from portal.core.signatures.agent_views import deadline_parts

    parts = deadline_parts(operations.esign_deadline(letter, current_tenant()))
    return _("%(date)s à %(time)s", date=parts["date"], time=parts["time"])


# --- the pre-filled mandate ----------------------------------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def mandate_prefilled_pdf(letter: Letter):
    """« Imprimer un mandat pré-rempli », at any time, always in French."""
    data = mandate_pdf(letter, current_tenant())
    response = make_response(data)
    response.mimetype = "application/pdf"
    name = f"mandat-resiliation-{letter.reference}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- 1. which mandate; 2. how the client signs ---------------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def mandate(letter: Letter):
    """« 1. Quel mandat de résiliation souhaitez-vous utiliser ? »"""
    form = SourceForm()
    if request.method == "POST":
        if not letter.editable:
            return _not_editable(letter)
        if form.validate_on_submit():
            try:
                operations.choose_source(letter, current_tenant(), form.source.data)
            except operations.MandateRefused as refusal:
                return _refused(letter, refusal)
            return redirect(url_for("resiliation.mandate_how", letter_id=letter.id))
    return _page("resiliation/mandates/choose.html", letter, form=form, on_mandate_page=True)


@handler(Access.PROFILE, load=LETTER)
def mandate_how(letter: Letter):
    """« 2. Comment signe votre client ? »"""
    if not letter.editable:
        return _not_editable(letter)
    return _page("resiliation/mandates/how.html", letter)


# --- by hand: upload, preview, validate or replace -----------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def mandate_hand(letter: Letter):
    """« Je fais signer mon client »: the signed scan, previewed page by page."""
    form = ScanForm()
    status = 200
    if request.method == "POST":
        if not letter.editable:
            return _not_editable(letter)
        if form.validate_on_submit():
            upload = form.file.data
            if not upload or not getattr(upload, "filename", ""):
                form.file.errors.append(_("Choisissez le fichier du mandat signé."))
            else:
                try:
                    operations.upload_scan(letter, current_tenant(), upload.stream, upload.filename)
                except uploads.UploadRefused as refusal:
                    form.file.errors.append(refusal.message)
                except operations.MandateRefused as refusal:
                    return _refused(letter, refusal)
                else:
                    flash(_("Vérifiez le mandat ci-dessous, puis validez-le."), "info")
                    return redirect(url_for("resiliation.mandate_hand", letter_id=letter.id))
        status = 422
    return _page(
        "resiliation/mandates/hand.html",
        letter,
        status=status,
        form=form,
        validate_form=ActionForm(),
    )


@handler(Access.PROFILE, load=LETTER)
def mandate_hand_validate(letter: Letter):
    """« Valider ce mandat »."""
    if not letter.editable:
        return _not_editable(letter)
    if ActionForm().validate_on_submit():
        try:
            operations.validate_scan(letter, current_tenant(), current_profile())
        except operations.MandateRefused as refusal:
            return _refused(letter, refusal)
        flash(_("Le mandat signé est validé : il sera joint à la lettre."), "success")
    return redirect(letter_url(letter))


def _scan_row(letter: Letter):
    row = operations.mandate_of(letter)
    if row is None or not row.scan_key:
        abort(404)
    return row


@handler(Access.PROFILE, load=LETTER)
def mandate_scan_page(letter: Letter, page: int):
    """A page of the uploaded scan as an image (the file itself never runs in the browser)."""
    row = _scan_row(letter)
    if not 1 <= page <= max(row.scan_pages, 1):
        abort(404)
    try:
        png = operations.scan_page_png(row, page)
    except IndexError:
        abort(404)
    response = make_response(png)
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@handler(Access.PROFILE, load=LETTER)
def mandate_scan_file(letter: Letter):
    row = _scan_row(letter)
    return send_stored_file(
        row.scan_key, download_name=row.scan_filename, mimetype=row.scan_content_type
    )


# --- electronically ------------------------------------------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def mandate_electronic(letter: Letter):
    """« Mon client signe de manière électronique »: the core's signature procedure."""
    if not letter.editable:
        return _not_editable(letter)
    tenant = current_tenant()
    row = operations.mandate_of(letter)
    own = row is not None and row.source == MandateSource.OWN and letter.sender == Sender.AGENCY
    if request.method == "GET":
        form = ElectronicForm(
            data={
                "email": (row.signer_email if row and row.signer_email else letter.email),
                "mobile": row.signer_mobile if row else "",
                "co_email": row.co_signer_email if row else "",
                "co_mobile": row.co_signer_mobile if row else "",
                "delivery": "remote",
            }
        )
        return _page(
            "resiliation/mandates/electronic.html",
            letter,
            form=form,
            own=own,
            deadline_text=_deadline_text(letter),
        )
    form = ElectronicForm()
    valid = form.validate_on_submit()
    valid = form.check_co_subscriber(letter.has_co_subscriber) and valid
    upload = form.own_file.data
    if valid and own and upload and getattr(upload, "filename", ""):
        try:
            operations.own_mandate_upload(letter, tenant, upload.stream, upload.filename)
        except uploads.UploadRefused as refusal:
            form.own_file.errors.append(refusal.message)
            valid = False
    if valid:
        try:
            procedure = operations.start_esignature(
                letter,
                tenant,
                current_account(),
                current_profile(),
                email=form.email.data.strip(),
                mobile=form.mobile.data.strip(),
                co_email=(form.co_email.data or "").strip(),
                co_mobile=(form.co_mobile.data or "").strip(),
                in_person=form.delivery.data == "in_person",
            )
        except operations.MandateRefused as refusal:
            target = getattr(form, refusal.field or "", None)
            if target is not None:
                target.errors.append(refusal.message)
            else:
                form.form_errors.append(refusal.message)
        else:
            if form.delivery.data == "in_person":
                flash(
                    _(
                        "Le lien de signature est prêt : démarrez la procédure en présence de "
                        "votre client."
                    ),
                    "success",
                )
                return redirect(
                    url_for("signature_procedures.detail", reference=procedure.reference)
                )
            flash(
                _("Votre client a reçu par mail le lien pour signer le mandat."),
                "success",
            )
            return redirect(letter_url(letter))
    return _page(
        "resiliation/mandates/electronic.html",
        letter,
        status=422,
        form=form,
        own=own,
        deadline_text=_deadline_text(letter),
    )


# --- without a mandate ---------------------------------------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def mandate_without(letter: Letter):
    """« Je décide de ne pas joindre le mandat », after the warning and its required box."""
    if not letter.editable:
        return _not_editable(letter)
    form = WithoutForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                operations.choose_without(letter, current_tenant(), current_profile())
            except operations.MandateRefused as refusal:
                return _refused(letter, refusal)
            flash(_("La lettre sera envoyée sans mandat de résiliation."), "success")
            return redirect(letter_url(letter))
        return _page("resiliation/mandates/without.html", letter, status=422, form=form)
    return _page("resiliation/mandates/without.html", letter, form=form)


# --- the sender ----------------------------------------------------------------------------------


@handler(Access.PROFILE, load=LETTER)
def letter_sender(letter: Letter):
    """« Changer l'émetteur du courrier »: the agency, or the platform where allowed."""
    if not letter.editable:
        return _not_editable(letter)
    form = SenderForm()
    if not form.validate_on_submit():
        flash(_("Choisissez l'émetteur du courrier."), "error")
        return redirect(letter_url(letter))
    try:
        reset = operations.set_sender(
            letter, current_tenant(), Sender(form.sender.data), current_profile()
        )
    except operations.MandateRefused as refusal:
        return _refused(letter, refusal)
    if letter.sender == Sender.PLATFORM:
        flash(
            _(
                "La lettre sera envoyée au nom de %(name)s.",
                name=operations.platform_name(current_tenant()),
            ),
            "success",
        )
    else:
        flash(_("Vous êtes l'émetteur du courrier."), "success")
    if reset:
        flash(reset, "info")
    return redirect(letter_url(letter))


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    base = "/lettres/<int:letter_id>"
    rule = blueprint.add_url_rule
    rule(f"{base}/mandat-prerempli.pdf", "mandate_prefilled_pdf", mandate_prefilled_pdf)
    rule(f"{base}/mandat", "mandate", mandate, methods=["GET", "POST"])
    rule(f"{base}/mandat/signature", "mandate_how", mandate_how)
    rule(f"{base}/mandat/manuscrit", "mandate_hand", mandate_hand, methods=["GET", "POST"])
    rule(
        f"{base}/mandat/manuscrit/valider",
        "mandate_hand_validate",
        mandate_hand_validate,
        methods=["POST"],
    )
    rule(f"{base}/mandat/manuscrit/page-<int:page>.png", "mandate_scan_page", mandate_scan_page)
    rule(f"{base}/mandat/manuscrit/fichier", "mandate_scan_file", mandate_scan_file)
    rule(
        f"{base}/mandat/electronique",
        "mandate_electronic",
        mandate_electronic,
        methods=["GET", "POST"],
    )
    rule(f"{base}/mandat/sans", "mandate_without", mandate_without, methods=["GET", "POST"])
    rule(f"{base}/emetteur", "letter_sender", letter_sender, methods=["POST"])
    blueprint.add_app_template_global(panel, "resiliation_mandate_panel")
