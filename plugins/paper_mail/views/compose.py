"""Composing a mail, in four steps (manual §8.1–8.3): 1 Documents (add files, order them by
buttons or by drag and drop, staples, colour and duplex, the pre-flight checks), 2 Mode d'envoi
(the five modes with this mail's price in each), 3 Destinataire (the address read in the first
document, or typed; the sender of a tracked letter), then 4 Confirmation (``views.mails``).

Every step is kept in the draft as soon as it is posted. A mail that is no longer a draft is
never edited: each page here sends it to its own page (``paper_mail.mail``).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from plugins.paper_mail import (
    addresses,
    assembly,
    checks,
    detection,
    documents,
    forms,
    pricing,
    rules,
)
from plugins.paper_mail.i18n import _, ngettext
from plugins.paper_mail.models import (
    DocumentStatus,
    MailState,
    PaperDocument,
    PaperMail,
    RecipientSource,
)
from portal.core.accounts.session import current_account, current_profile
from portal.core.i18n import format_money
from portal.core.pricing import price_list
from portal.core.references import new_reference
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

FORM = ["GET", "POST"]
POST = ["POST"]
LOAD = {"mail_id": PaperMail}
LOAD_DOCUMENT = {"mail_id": PaperMail, "document_id": PaperDocument}
FETCHED = "X-Requested-With"  # set by compose.js: answer 204 instead of redirecting


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    mail = "/courriers/<int:mail_id>"
    document = mail + "/documents/<int:document_id>"
    rule("/courriers/nouveau", "new_mail", new_mail, methods=POST)
    rule(mail + "/documents", "documents", documents_page, methods=FORM)
    rule(document + "/monter", "document_up", document_up, methods=POST)
    rule(document + "/descendre", "document_down", document_down, methods=POST)
    rule(document + "/retirer", "document_remove", document_remove, methods=POST)
    rule(document + "/agrafer", "document_staple", document_staple, methods=POST)
    rule(document + "/vignette.png", "document_thumbnail", document_thumbnail)
    rule(mail + "/ordre", "order", order, methods=POST)
    rule(mail + "/agrafer-tout", "staple_all", staple_all, methods=POST)
    rule(mail + "/mode", "mode", mode_page, methods=FORM)
    rule(mail + "/destinataire", "recipient", recipient_page, methods=FORM)


# --- shared ------------------------------------------------------------------------------------

STEPS = (
    (1, "documents", ".documents"),
    (2, "mode", ".mode"),
    (3, "recipient", ".recipient"),
    (4, "confirm", ".confirm"),
)


def _steps(mail: PaperMail, current: str) -> list[dict]:
    """The step indicator: 1 Documents, 2 Mode d'envoi, 3 Destinataire, 4 Confirmation; the
    steps before the current one are links back."""
    labels = {
        "documents": _("Documents"),
        "mode": _("Mode d'envoi"),
        "recipient": _("Destinataire"),
        "confirm": _("Confirmation"),
    }
    names = [name for _number, name, _endpoint in STEPS]
    reached = names.index(current)
    return [
        {
            "number": number,
            "label": labels[name],
            "current": name == current,
            "url": url_for(endpoint, mail_id=mail.id) if names.index(name) < reached else None,
        }
        for number, name, endpoint in STEPS
    ]


def _not_a_draft(mail: PaperMail):
    """A validated (or cancelled) mail's own page: its content no longer changes."""
    if mail.state == MailState.DRAFT:
        return None
    return redirect(url_for(".mail", mail_id=mail.id))


def _document_of(mail: PaperMail, document: PaperDocument) -> PaperDocument:
    if document.mail_id != mail.id:
        abort(404)
    return document


def _back_to_documents(mail: PaperMail, anchor: str = "#documents"):
    return redirect(url_for(".documents", mail_id=mail.id) + anchor)


def _first_document_id(mail: PaperMail) -> int | None:
    return mail.documents[0].id if mail.documents else None


def _after_first_changed(mail: PaperMail, first_before: int | None) -> None:
    """The address confirmed from the first document no longer holds when another document
    comes first: the user confirms the new one (or types it)."""
    db.session.flush()
    db.session.expire(mail, ["documents"])
    if (
        mail.recipient_source == RecipientSource.DETECTED
        and _first_document_id(mail) != first_before
    ):
        mail.recipient_source = RecipientSource.NONE
        flash(
            _(
                "Le premier document a changé : confirmez à nouveau l'adresse du destinataire "
                "à l'étape « Destinataire »."
            ),
            "info",
        )


def _not_ready(mail: PaperMail):
    """Steps 2 and 3 need the documents converted: back to step 1, saying why."""
    if documents.ready(mail):
        return None
    if documents.pending(mail):
        flash(_("Attendez la fin de la conversion de vos documents pour continuer."), "error")
    elif not mail.documents:
        flash(_("Ajoutez au moins un document à imprimer pour continuer."), "error")
    else:
        flash(_("Retirez les documents qui n'ont pas pu être convertis pour continuer."), "error")
    return _back_to_documents(mail)


def _page(template: str, mail: PaperMail, step: str, status: int = 200, **context):
    return (
        render_template(
            f"paper_mail/compose/{template}",
            mail=mail,
            steps=_steps(mail, step),
            mode_info=rules.MODES[rules.Mode(mail.mode)],
            **context,
        ),
        status,
    )


# --- 0. a new mail -----------------------------------------------------------------------------


@handler(Access.PROFILE)
def new_mail():
    """« Nouveau courrier papier »: a draft, colour and duplex as the tenant prints by default."""
    settings = current_tenant().settings_for("paper_mail")
    mail = PaperMail(
        reference=new_reference("PAP-", PaperMail.reference),
        created_by_id=current_profile().id,
        state=MailState.DRAFT,
        mode=rules.DEFAULT_MODE.value,
        colour=settings.colour_by_default,
        duplex=settings.duplex_by_default,
    )
    mail.assign_to_current_profile()
    db.session.add(mail)
    db.session.flush()
    return redirect(url_for(".documents", mail_id=mail.id))


# --- 1. documents ------------------------------------------------------------------------------


@handler(Access.PROFILE, load=LOAD)
def documents_page(mail: PaperMail):
    """Step 1: the files in print order, their outcome, staples, options and the checks."""
    frozen = _not_a_draft(mail)
    if frozen is not None:
        return frozen
    action = request.form.get("action") if request.method == "POST" else None
    upload = forms.UploadForm(formdata=None)
    options = forms.OptionsForm(formdata=None, obj=mail)
    if action == "add":
        upload = forms.UploadForm()
        if upload.validate_on_submit():
            if _add_files(mail, upload):
                return _back_to_documents(mail)
            db.session.flush()
            db.session.expire(mail, ["documents"])  # the files kept are listed
        return _documents(mail, upload, options, status=422)
    if action in ("options", "continue"):
        options = forms.OptionsForm()
        if options.validate_on_submit():
            mail.colour = options.colour.data
            mail.duplex = options.duplex.data
            if action == "options":
                flash(_("Les options d'impression sont enregistrées."), "success")
                return _back_to_documents(mail, "#options")
            return _not_ready(mail) or redirect(url_for(".mode", mail_id=mail.id))
        return _documents(mail, upload, options, status=422)
    return _documents(mail, upload, options)


def _add_files(mail: PaperMail, upload: forms.UploadForm) -> bool:
    """Add each file; a refused one says why next to the input and the others are kept. True
    when every file was added."""
    files = [f for f in request.files.getlist(upload.files.name) if f and f.filename]
    if not files:
        upload.files.errors = [_("Choisissez au moins un fichier à ajouter.")]
        return False
    added, refused = 0, []
    for file in files:
        try:
            documents.add_file(mail, file.stream, file.filename)
        except documents.DocumentRefused as refusal:
            refused.append(
                _("%(file)s : %(reason)s", file=file.filename, reason=str(refusal.message))
            )
        else:
            added += 1
    if added:
        flash(
            ngettext("%(num)d document ajouté.", "%(num)d documents ajoutés.", added),
            "success",
        )
    upload.files.errors = refused
    return not refused


def _documents(mail: PaperMail, upload, options, status: int = 200):
    settings = current_tenant().settings_for("paper_mail")
    ready = documents.ready(mail)
    pending = documents.pending(mail)
    rows = [
        {
            "document": document,
            "sheets": rules.sheets_of(document.pages, mail.duplex) if document.pages else 0,
            "may_staple": documents.may_staple(document),
            "error": documents.error_message(document),
        }
        for document in mail.documents
    ]
    return _page(
        "documents.html",
        mail,
        "documents",
        status=status,
        upload=upload,
        options=options,
        rows=rows,
        ready=ready,
        pending=pending,
        refresh=3 if pending else None,  # the page follows the conversions, no script needed
        preflight=checks.preflight(mail) if ready else None,
        may_staple_any=any(row["may_staple"] for row in rows),
        max_file_mb=settings.max_file_mb,
        max_sheets=rules.MAX_SHEETS,
        staple_from=rules.STAPLE_FROM_PAGES,
    )


def _move(mail: PaperMail, document: PaperDocument, offset: int):
    document = _document_of(mail, document)
    frozen = _not_a_draft(mail)
    if frozen is not None:
        return frozen
    first = _first_document_id(mail)
    documents.move(document, offset)
    _after_first_changed(mail, first)
    return _back_to_documents(mail, f"#document-{document.id}")


@handler(Access.PROFILE, load=LOAD_DOCUMENT)
def document_up(mail: PaperMail, document: PaperDocument):
    """« Monter »: the keyboard's and the script-less way to reorder."""
    return _move(mail, document, -1)


@handler(Access.PROFILE, load=LOAD_DOCUMENT)
def document_down(mail: PaperMail, document: PaperDocument):
    """« Descendre »."""
    return _move(mail, document, 1)


@handler(Access.PROFILE, load=LOAD_DOCUMENT)
def document_remove(mail: PaperMail, document: PaperDocument):
    """« Retirer » a file from the mail."""
    document = _document_of(mail, document)
    frozen = _not_a_draft(mail)
    if frozen is not None:
        return frozen
    first = _first_document_id(mail)
    name = document.filename
    documents.remove(document)
    _after_first_changed(mail, first)
    flash(_("« %(file)s » est retiré du courrier.", file=name), "success")
    return _back_to_documents(mail)


@handler(Access.PROFILE, load=LOAD_DOCUMENT)
def document_staple(mail: PaperMail, document: PaperDocument):
    """« Agrafer » (``on=1``) or « Ne plus agrafer » (``on=0``) one file."""
    document = _document_of(mail, document)
    frozen = _not_a_draft(mail)
    if frozen is not None:
        return frozen
    try:
        documents.set_staple(document, request.form.get("on") == "1")
    except documents.DocumentRefused as refusal:
        flash(str(refusal.message), "error")
    return _back_to_documents(mail, f"#document-{document.id}")


@handler(Access.PROFILE, load=LOAD_DOCUMENT)
def document_thumbnail(mail: PaperMail, document: PaperDocument):
    """The first page of a converted file, small (the file itself never runs in the browser)."""
    document = _document_of(mail, document)
    if document.status != DocumentStatus.READY:
        abort(404)
    response = make_response(assembly.thumbnail_png(document, width=160))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@handler(Access.PROFILE, load=LOAD)
def order(mail: PaperMail):
    """The order after a drag and drop (``ids``: the documents' ids in their new order, repeated
    or comma-separated). The script gets 204 (or 400); a form gets the documents page."""
    frozen = _not_a_draft(mail)
    fetched = request.headers.get(FETCHED) == "fetch"
    if frozen is not None:
        return ("", 409) if fetched else frozen
    raw = ",".join(request.form.getlist("ids"))
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
        first = _first_document_id(mail)
        documents.set_order(mail, ids)
    except ValueError:
        if fetched:
            return "", 400
        flash(_("Cet ordre ne correspond pas aux documents du courrier."), "error")
        return _back_to_documents(mail)
    _after_first_changed(mail, first)
    return ("", 204) if fetched else _back_to_documents(mail)


@handler(Access.PROFILE, load=LOAD)
def staple_all(mail: PaperMail):
    """« Agrafer tout »: every file of at least 3 pages."""
    frozen = _not_a_draft(mail)
    if frozen is not None:
        return frozen
    count = documents.staple_all(mail)
    if count:
        flash(
            ngettext("%(num)d document sera agrafé.", "%(num)d documents seront agrafés.", count),
            "success",
        )
    else:
        flash(
            _(
                "Aucun document n'a au moins %(n)d pages : rien à agrafer.",
                n=rules.STAPLE_FROM_PAGES,
            ),
            "info",
        )
    return _back_to_documents(mail)


# --- 2. mode -----------------------------------------------------------------------------------


@handler(Access.PROFILE, load=LOAD)
def mode_page(mail: PaperMail):
    """Step 2: the five modes, their delays, what each includes and this mail's price in each."""
    frozen = _not_a_draft(mail) or _not_ready(mail)
    if frozen is not None:
        return frozen
    form = forms.ModeForm(data={"mode": mail.mode})
    if form.validate_on_submit():
        mail.mode = rules.Mode(form.mode.data).value
        if rules.MODES[rules.Mode(mail.mode)].needs_parties and (
            mail.recipient_source == RecipientSource.DETECTED
        ):
            # A tracked letter's recipient is typed in full (it fills La Poste's form).
            mail.recipient_source = RecipientSource.NONE
        return redirect(url_for(".recipient", mail_id=mail.id))
    return _page(
        "mode.html",
        mail,
        "mode",
        status=422 if form.errors else 200,
        form=form,
        offers=_offers(mail),
        modes=rules.MODES,
        cutoff=current_tenant().settings_for("paper_mail").cutoff.strftime("%H:%M"),
    )


def _offers(mail: PaperMail) -> dict[str, dict]:
    """Per mode: this mail's price (``total_cents``) when it may go that way, else ``problem``
    (what to change). A page's problem (format, margins, window) holds for every mode: no
    price until it is fixed."""
    preflight = checks.preflight(mail)
    blocking = [problem for problem in preflight.problems if problem.code != "envelope"]
    staples = sum(1 for document in mail.documents if document.staple)
    tenant = current_tenant()
    offers = {}
    for mode, info in rules.MODES.items():
        offer: dict = {"total_cents": None, "problem": None}
        # The recipient not chosen yet: priced as it will most likely be (a tracked letter's
        # address is typed, with its carrier page; else the first document's).
        source = mail.recipient_source or (
            RecipientSource.TYPED if info.needs_parties else RecipientSource.DETECTED
        )
        carrier = source == RecipientSource.TYPED and mail.recipient_source != source
        try:
            plan = rules.envelope_plan(preflight.sheets + carrier, mode)
        except rules.EnvelopeProblem as problem:
            offer["problem"] = _(problem.message)
        else:
            if not blocking:
                offer["total_cents"] = pricing.quote(
                    tenant,
                    mode=mode,
                    colour=mail.colour,
                    sheets_per_envelope=plan.sheets_per_envelope,
                    staples=staples,
                    recipient_source=source,
                ).total_cents
        offers[mode.value] = offer
    return offers


# --- 3. recipient ------------------------------------------------------------------------------


@handler(Access.PROFILE, load=LOAD)
def recipient_page(mail: PaperMail):
    """Step 3: the address read in the first document (écopli, lettre verte), or typed; a
    tracked or registered letter's recipient and sender typed in full."""
    frozen = _not_a_draft(mail) or _not_ready(mail)
    if frozen is not None:
        return frozen
    info = rules.MODES[rules.Mode(mail.mode)]
    form_class = forms.PartiesForm if info.needs_parties else forms.RecipientForm
    detected = None if info.needs_parties else detection.detect_for_mail(mail)
    action = request.form.get("action") if request.method == "POST" else None
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    if request.method == "GET":
        _fill_from_mail(form, mail, info.needs_parties)
    detected_error = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        if action == "detected" and detected is not None:
            detected_error = _use_detected(mail, detected)
            if detected_error is None:
                return redirect(url_for(".confirm", mail_id=mail.id))
            _fill_from_mail(form, mail, info.needs_parties)  # this form posted no address
            status = 422
        elif action == "my_details" and info.needs_parties:
            _fill_my_details(form, mail)
        elif action == "typed":
            if _save_typed(form, mail, info.needs_parties):
                return redirect(url_for(".confirm", mail_id=mail.id))
            status = 422
    elif request.method == "POST":
        status = 422
    return _page(
        "recipient.html",
        mail,
        "recipient",
        status=status,
        form=form,
        detected=detected,
        detected_error=detected_error,
        needs_parties=info.needs_parties,
        prices=_address_prices(),
    )


def _fill_from_mail(form, mail: PaperMail, needs_parties: bool) -> None:
    """The step as it was left. A confirmed first-document address is not offered for typing
    (that would add a carrier page), except as the start of a tracked letter's recipient."""
    typed = mail.recipient_source == RecipientSource.TYPED
    if typed or (needs_parties and mail.recipient_name):
        forms.fill(
            form,
            "",
            mail.recipient_name,
            list(mail.recipient_lines or []),
            mail.recipient_postal_code,
            mail.recipient_city,
        )
    if needs_parties and mail.sender_name:
        forms.fill(
            form,
            "sender_",
            mail.sender_name,
            list(mail.sender_lines or []),
            mail.sender_postal_code,
            mail.sender_city,
        )


def _use_detected(mail: PaperMail, detected) -> str | None:
    """« Utiliser l'adresse du premier document »: its fields copied into the mail; the reason
    when what was read is not a complete address."""
    name, lines = detected.name or "", list(detected.address_lines or [])
    postal_code, city = detected.postal_code or "", detected.city or ""
    errors = addresses.address_errors(name, lines, postal_code, city)
    if errors:
        return _(
            "L'adresse lue dans le premier document est incomplète (%(problem)s) : corrigez le "
            "document ou saisissez l'adresse.",
            problem=" ; ".join(str(message) for message in errors.values()),
        )
    mail.recipient_source = RecipientSource.DETECTED
    mail.recipient_name = name
    mail.recipient_lines = lines
    mail.recipient_postal_code = postal_code
    mail.recipient_city = addresses.normalise_city(city)
    return None


def _save_typed(form, mail: PaperMail, needs_parties: bool) -> bool:
    """The typed recipient (and sender) checked as the sending checks them; saved when right,
    else each error next to its field and every value kept in the form."""
    recipient = forms.address_of(form)
    errors = addresses.address_errors(*recipient)
    forms.place_errors(form, errors)
    sender = None
    if needs_parties:
        sender = forms.address_of(form, "sender_")
        sender_errors = addresses.address_errors(*sender, sender=True)
        forms.place_errors(form, sender_errors, "sender_")
        errors = {**errors, **{f"sender_{k}": v for k, v in sender_errors.items()}}
    if errors:
        return False
    name, lines, postal_code, city = recipient
    mail.recipient_source = RecipientSource.TYPED
    mail.recipient_name = name
    mail.recipient_lines = lines
    mail.recipient_postal_code = postal_code
    mail.recipient_city = addresses.normalise_city(city)
    if sender is not None:
        _save_sender(mail, *sender)
    return True


def _save_sender(mail: PaperMail, name: str, lines: list[str], postal_code: str, city: str):
    mail.sender_name = name
    mail.sender_lines = lines
    mail.sender_postal_code = postal_code
    mail.sender_city = addresses.normalise_city(city) if city else ""


def _fill_my_details(form, mail: PaperMail) -> None:
    """« Utiliser mes coordonnées »: the account's name and address as the sender (kept in the
    draft at once; the recipient typed so far stays in the form)."""
    account = current_account()
    name = account.commercial_name or f"{account.first_name} {account.last_name}".strip()
    lines = [line for line in (account.address, account.address2) if line]
    forms.fill(form, "sender_", name, lines, account.postal_code or "", account.city or "")
    # Kept as the account has them (the 38-character rule is checked on « Continuer »).
    mail.sender_name = name[:38]
    mail.sender_lines = lines
    mail.sender_postal_code = (account.postal_code or "")[:10]
    mail.sender_city = (account.city or "")[:38]
    flash(_("Vos coordonnées sont reprises comme expéditeur : vérifiez-les."), "info")


def _address_prices() -> dict[str, str]:
    """The typed address's supplement and the first document's address discount, as priced by
    the tenant (« +0,16 € », « −0,10 € »)."""
    prices = price_list(current_tenant())
    shown = {}
    for key, code in (
        ("typed", "paper_mail.typed_address"),
        ("detected", "paper_mail.first_document_address"),
    ):
        item = prices.get(code)
        if item is None or not item.price_cents:
            shown[key] = ""
            continue
        sign = "+" if item.price_cents > 0 else "−"
        shown[key] = f"{sign}{format_money(abs(item.price_cents))}"
    return shown
