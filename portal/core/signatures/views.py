"""Request handlers of the signer's pages: no login, the link's token is the key.

A token opens only its own signer's pages, on its own tenant's host (the engine looks it up in
the tenant's scope). A link of a procedure that ended answers a page that says why in plain
words — 410 when the deadline passed or the procedure was cancelled, 404 when the link is
unknown — and a signer who signed or declined lands on their own « done » page. Every page stays
out of caches and referrers (the token is in the URL) and works without JavaScript.
"""

from __future__ import annotations

from babel import dates as babel_dates
from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, refresh, to_user_timezone
from flask_babel import gettext as _

from portal.core import clock, uploads
from portal.core.accounts.models import Account
from portal.core.i18n import format_date
from portal.core.ratelimit import client_ip, limiter
from portal.core.signatures import operations, page_images, rules
from portal.core.signatures.errors import (
    CodeExpired,
    CodeNotSent,
    CodeThrottled,
    IdentityDocumentRequired,
    LinkInvalid,
    MissingAcceptance,
    ProcedureClosed,
    SignatureError,
    SigningUnavailable,
    TooManyTries,
    UploadRefused,
    WrongCode,
)
from portal.core.signatures.forms import (
    DeclineForm,
    IdentityDocumentForm,
    SendCodeForm,
    SignForm,
    acceptance_form,
    box_field_name,
    ticked_box_ids,
)
from portal.core.signatures.models import (
    ProcedureSigner,
    ProcedureState,
    SignatureDocument,
    SignerEvent,
    SignerState,
)
from portal.core.signatures.providers.base import DocumentRole
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

DONE_STATES = (SignerState.SIGNED, SignerState.DECLINED)
# A page image never changes for its URL (a new document version gets new images): a browser
# keeps it for the session; nothing shared (proxies) may.
IMAGE_MAX_AGE = 3600
# The engine bounds each link (a new code every 60 s, 5 codes, 5 tries each); this bounds what
# one client may post across links (uploads, codes, refusals).
POSTS_PER_CLIENT = "30 per minute"


# --- what every page of the signer needs -----------------------------------------------------


def page_context() -> dict:
    """The signer's pages are theirs alone: no main menu of the agents' services and no account
    box (in person, the agent's own session stays logged in on the same screen)."""
    return {
        "main_menu": lambda: [],
        "current_account": lambda: None,
        "header_credit": lambda: None,
        "deadline_text": deadline_text,
    }


def no_store(response):
    """``after_request`` of the signer's blueprint: personal pages reached by a secret link stay
    out of browser and proxy caches (page images set their own private caching)."""
    if request.endpoint != "signatures.signer_page_image":
        response.headers["Cache-Control"] = "no-store"
    return response


def deadline_text(deadline) -> str:
    """« le 25/02/2021 à 20h00 » / « on 25/02/2021 at 20:00 », in the tenant's time zone."""
    local = to_user_timezone(deadline)
    locale = get_locale()
    time_pattern = "HH'h'mm" if str(locale).startswith("fr") else "HH:mm"
    return _(
        "le %(date)s à %(time)s",
        date=format_date(local, "dd/MM/yyyy"),
        time=babel_dates.format_time(local, time_pattern, locale=locale),
    )


def _use_procedure_language(procedure) -> None:
    """The procedure's language (the asking agent chose it for the signer), unless the visitor
    picked one with the language links."""
    tenant = current_tenant()
    if "lang" in request.args or "lang" in session:
        return
    if procedure.locale in tenant.config.locales and procedure.locale != str(get_locale()):
        session["lang"] = procedure.locale
        refresh()


def _signer(token: str) -> ProcedureSigner:
    """The signer of an open link; else the page saying why (``abort`` with it)."""
    try:
        signer = operations.signer_for_token(token)
    except LinkInvalid:
        abort(_closed_link(token))
    if signer.state in DONE_STATES:
        abort(redirect(url_for(".signer_done", token=token)))
    _use_procedure_language(signer.procedure)
    return signer


def _closed_link(token: str):
    """Why a link no longer opens, in plain words, without saying anything else about the
    procedure: unknown or replaced (404), deadline passed or cancelled (410), already done by
    this signer (their « done » page), not their turn yet (409)."""
    signer = operations.signer_for_done_page(token)
    if signer is None:
        return _link_page("unknown", 404)
    if signer.state in DONE_STATES:
        return redirect(url_for(".signer_done", token=token))
    procedure = signer.procedure
    _use_procedure_language(procedure)
    state = procedure.state
    deadline_passed = rules.aware(procedure.deadline) <= clock.now()
    if state == ProcedureState.EXPIRED or (state == ProcedureState.ONGOING and deadline_passed):
        return _link_page("expired", 410, deadline=procedure.deadline)
    if state == ProcedureState.CANCELLED:
        return _link_page("cancelled", 410)
    if state in (ProcedureState.SIGNED, ProcedureState.DECLINED):
        return _link_page("ended", 410)
    if state == ProcedureState.ONGOING:
        return _link_page("waiting", 409)
    return _link_page("unknown", 404)  # not started: as if it did not exist yet


def _link_page(reason: str, status: int, **context):
    return make_response(
        render_template("signatures/signer/link_invalid.html", reason=reason, **context), status
    )


def _requester(procedure) -> str:
    """Who asks for the signature: the account's name as its pages show it."""
    account = db.session.get(Account, procedure.account_id)
    return account.display_name if account is not None else current_tenant().name


def _document(signer: ProcedureSigner, position: int) -> SignatureDocument:
    for document in signer.procedure.documents:
        if document.position == position:
            return document
    abort(404)


def _read_positions(signer: ProcedureSigner) -> set[int]:
    """Positions of the documents this signer went through (« Suivant » records them)."""
    events = db.session.scalars(
        db.select(SignerEvent).where(
            SignerEvent.signer_id == signer.id, SignerEvent.kind == "boxes_accepted"
        )
    )
    return {
        event.details["document"]
        for event in events
        if isinstance((event.details or {}).get("document"), int)
    }


def _document_rows(signer: ProcedureSigner, token: str) -> list[dict]:
    """Each document with what the signer did of it: read (« Suivant »), required boxes ticked."""
    accepted = set(signer.accepted_box_ids or ())
    read = _read_positions(signer)
    rows = []
    for document in signer.procedure.documents:
        required = [box for box in document.acceptance_boxes if box.required]
        boxes_ok = all(box.id in accepted for box in required)
        rows.append(
            {
                "document": document,
                "to_sign": document.role == DocumentRole.SIGN,
                "done": boxes_ok and (bool(required) or document.position in read),
                "boxes": len(document.acceptance_boxes),
                "url": url_for(".signer_document", token=token, position=document.position),
            }
        )
    return rows


def _done_steps(signer: ProcedureSigner, rows: list[dict]) -> set[str]:
    """The steps of the progress line already done."""
    done = set()
    if signer.identity_document_key:
        done.add("identity")
    if all(row["done"] for row in rows):
        done.add("documents")
    return done


def _first_pending(rows: list[dict]) -> dict | None:
    return next((row for row in rows if not row["done"]), None)


def _identity_missing(signer: ProcedureSigner) -> bool:
    return signer.procedure.require_identity_document and not signer.identity_document_key


def _unbroken(masked: str) -> str:
    """« +33 6 •• •• •• 78 » on one line (no-break spaces: a phone never splits the number)."""
    return masked.replace(" ", "\u00a0")


def _client() -> dict:
    return {"ip": client_ip(), "user_agent": (request.user_agent.string or "")[:300]}


# --- 1. the signer's home: who asks, what, until when ----------------------------------------


@handler(Access.ANONYMOUS)
@limiter.limit(POSTS_PER_CLIENT, methods=["POST"])
def signer_home(token: str):
    signer = _signer(token)
    procedure = signer.procedure
    if signer.opened_at is None:
        operations.record_opened(signer, **_client())
    form = IdentityDocumentForm()
    if _identity_missing(signer) and form.validate_on_submit():
        upload = form.file.data
        try:
            operations.upload_identity_document(signer, upload.stream, upload.filename)
        except (UploadRefused, SignatureError) as exc:
            form.file.errors.append(exc.message)
        else:
            flash(_("Votre pièce d'identité est enregistrée."), "success")
            return redirect(url_for(".signer_home", token=token))
    elif request.method == "POST" and not _identity_missing(signer):
        return redirect(url_for(".signer_home", token=token))
    rows = _document_rows(signer, token)
    pending = _first_pending(rows)
    return render_template(
        "signatures/signer/home.html",
        token=token,
        signer=signer,
        procedure=procedure,
        requester=_requester(procedure),
        rows=rows,
        start_url=pending["url"] if pending else url_for(".signer_sign", token=token),
        all_read=pending is None,
        identity_missing=_identity_missing(signer),
        form=form,
        masked_mobile=_unbroken(rules.mask_mobile(signer.mobile)),
        max_upload=uploads.MAX_DOCUMENT_BYTES,
        done_steps=_done_steps(signer, rows),
    )


# --- 2. each document, read page by page, with its boxes ---------------------------------------


@handler(Access.ANONYMOUS)
def signer_document(token: str, position: int):
    signer = _signer(token)
    document = _document(signer, position)
    form = acceptance_form(document, signer.accepted_box_ids)
    missing = None
    if form.validate_on_submit():
        try:
            operations.accept_boxes(signer, document, ticked_box_ids(form, document))
        except MissingAcceptance as exc:
            missing = exc.message
        else:
            rows = _document_rows(signer, token)
            following = next(
                (row for row in rows if row["document"].position > position and not row["done"]),
                None,
            ) or _first_pending(rows)
            if following is not None and following["document"].position != position:
                return redirect(following["url"])
            return redirect(url_for(".signer_sign", token=token))
    elif request.method == "POST" and form.errors:  # each unticked box says so next to it
        missing = _("Cochez chaque case obligatoire pour continuer.")
    sizes = page_images.page_sizes(document)
    return render_template(
        "signatures/signer/document.html",
        token=token,
        signer=signer,
        procedure=signer.procedure,
        document=document,
        count=len(signer.procedure.documents),
        done_steps=_done_steps(signer, _document_rows(signer, token)),
        form=form,
        boxes=[(box, form[box_field_name(box)]) for box in document.acceptance_boxes],
        missing=missing,
        pages=[
            {
                "number": number,
                "width": width,
                "height": height,
                "url": url_for(".signer_page_image", token=token, position=position, page=number),
            }
            for number, (width, height) in enumerate(sizes, start=1)
        ],
        previous_url=(
            url_for(".signer_document", token=token, position=position - 1)
            if position > 1
            else url_for(".signer_home", token=token)
        ),
    )


@handler(Access.ANONYMOUS)
def signer_page_image(token: str, position: int, page: int):
    signer = _signer(token)
    document = _document(signer, position)
    try:
        png = page_images.page_png(document, page)
    except IndexError:
        abort(404)
    response = make_response(png)
    response.mimetype = "image/png"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.max_age = IMAGE_MAX_AGE
    return response


@handler(Access.ANONYMOUS)
def signer_document_file(token: str, position: int):
    """The PDF the signer reads (or, once they signed, the signed one: their own copy)."""
    try:
        signer = operations.signer_for_token(token)
    except LinkInvalid:
        signer = operations.signer_for_done_page(token)
        if signer is None or not _may_keep_copy(signer):
            abort(_closed_link(token))
    if signer.state == SignerState.DECLINED:
        abort(404)
    document = _document(signer, position)
    key, _sha = page_images.document_version(document)
    return send_stored_file(key, download_name=document.filename, mimetype="application/pdf")


def _may_keep_copy(signer: ProcedureSigner) -> bool:
    """A signer who signed keeps their copy while the procedure goes on or once it is signed."""
    return signer.state == SignerState.SIGNED and signer.procedure.state in (
        ProcedureState.ONGOING,
        ProcedureState.SIGNED,
    )


# --- 3. the SMS code and « Signer » --------------------------------------------------------------


def _code_status(signer: ProcedureSigner) -> dict:
    """Whether a code is out and still valid, and in how many seconds another may be asked."""
    moment = clock.now()
    expires = rules.aware(signer.otp_expires_at)
    return {
        "active": bool(signer.otp_hash and expires and expires > moment),
        "expires_at": expires,
        "wait_seconds": rules.wait_before_resend(signer.otp_sent_at, moment),
    }


@handler(Access.ANONYMOUS)
@limiter.limit(POSTS_PER_CLIENT, methods=["POST"])
def signer_sign(token: str):
    signer = _signer(token)
    send_form = SendCodeForm(prefix="send")
    form = SignForm(prefix="sign")
    send_error = None
    if request.method == "POST" and "send-submit" in request.form:
        if send_form.validate_on_submit():
            try:
                masked = operations.send_code(signer)
            except CodeThrottled as exc:
                send_error = exc.message
            except (ProcedureClosed, LinkInvalid):
                return redirect(url_for(".signer_home", token=token))
            except SignatureError as exc:  # something still missing: listed on the page
                send_error = exc.message
            else:
                flash(_("Un code a été envoyé au %(mobile)s.", mobile=_unbroken(masked)), "success")
                return redirect(url_for(".signer_sign", token=token) + "#code")
    elif request.method == "POST" and form.validate_on_submit():
        try:
            operations.sign(signer, form.code.data.strip(), **_client())
        except (WrongCode, CodeExpired, TooManyTries, CodeNotSent) as exc:
            form.code.errors.append(exc.message)
            form.code.data = ""
        except SigningUnavailable as exc:  # the code stays valid: it may be typed again
            form.code.errors.append(exc.message)
        except (MissingAcceptance, IdentityDocumentRequired) as exc:
            send_error = exc.message
        except (ProcedureClosed, LinkInvalid):
            return redirect(url_for(".signer_home", token=token))
        else:
            return redirect(url_for(".signer_done", token=token))
    rows = _document_rows(signer, token)
    missing = operations.ready_to_sign(signer)
    return render_template(
        "signatures/signer/sign.html",
        token=token,
        signer=signer,
        procedure=signer.procedure,
        rows=rows,
        missing=missing,
        missing_links=_missing_links(signer, rows, token),
        accepted=set(signer.accepted_box_ids or ()),
        send_form=send_form,
        send_error=send_error,
        form=form,
        code=_code_status(signer),
        masked_mobile=_unbroken(rules.mask_mobile(signer.mobile)),
        otp_length=rules.OTP_LENGTH,
        done_steps=_done_steps(signer, rows),
    )


def _missing_links(signer: ProcedureSigner, rows: list[dict], token: str) -> list[dict]:
    """Where to go for each step not done yet (the engine's sentences say what is missing)."""
    links = []
    if _identity_missing(signer):
        links.append(
            {
                "label": _("Déposer votre pièce d'identité"),
                "url": url_for(".signer_home", token=token) + "#identite",
            }
        )
    for row in rows:
        if not row["done"]:
            links.append(
                {
                    "label": _("Lire « %(title)s »", title=row["document"].title),
                    "url": row["url"],
                }
            )
    return links


# --- 4. « Refuser de signer » ------------------------------------------------------------------


@handler(Access.ANONYMOUS)
@limiter.limit(POSTS_PER_CLIENT, methods=["POST"])
def signer_decline(token: str):
    signer = _signer(token)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            operations.decline(signer, form.reason.data.strip(), **_client())
        except (ProcedureClosed, LinkInvalid):
            return redirect(url_for(".signer_home", token=token))
        except SignatureError as exc:
            form.reason.errors.append(exc.message)
        else:
            return redirect(url_for(".signer_done", token=token))
    return render_template(
        "signatures/signer/decline.html",
        token=token,
        signer=signer,
        procedure=signer.procedure,
        requester=_requester(signer.procedure),
        form=form,
    )


# --- 5. done: signed, declined -------------------------------------------------------------------


@handler(Access.ANONYMOUS)
def signer_done(token: str):
    signer = operations.signer_for_done_page(token)
    if signer is None:
        return _closed_link(token)
    procedure = signer.procedure
    if signer.state not in DONE_STATES:
        if procedure.is_final:
            return _closed_link(token)
        return redirect(url_for(".signer_home", token=token))
    _use_procedure_language(procedure)
    waiting_for = [
        other
        for other in procedure.signers
        if other.id != signer.id and other.state not in DONE_STATES
    ]
    return render_template(
        "signatures/signer/done.html",
        token=token,
        signer=signer,
        procedure=procedure,
        requester=_requester(procedure),
        others_pending=bool(waiting_for) and procedure.state == ProcedureState.ONGOING,
        copies=[
            document
            for document in procedure.documents
            if document.role == DocumentRole.SIGN and _may_keep_copy(signer)
        ],
    )


def too_many_attempts(error):
    """429 from the rate limiter on the signer's pages."""
    return render_template("signatures/signer/too_many.html"), 429
