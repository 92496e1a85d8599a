"""Request handlers: step 4 « Confirmation » (send now or schedule, the print preview, the recap,
the price TTC and the day it is handed to La Poste), a mail's page (its state, « Modifier la date
d'envoi » and « Annuler » until the day before, the tracking number, the proofs, the printed
PDF while kept) and the preview's page images.

The sending rules are the sending part's (``sending``): these views only ask, show its refusals
next to the form and redirect to the mail's page once it is validated.
"""

from __future__ import annotations

import io
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from plugins.paper_mail import lists, rules
from plugins.paper_mail.i18n import _, _l
from plugins.paper_mail.models import MailState, PaperMail, RecipientSource
from portal.core import clock
from portal.core.accounts.session import current_profile
from portal.core.credits import ledger
from portal.core.credits.ledger import InsufficientCredit
from portal.core.database import take_sqlite_write_lock
from portal.core.i18n import format_date
from portal.core.tenants import current_tenant
from portal.core.web.fields import TypedDateField
from portal.core.web.pipeline import Access, handler, may_open
from portal.extensions import db

LOAD = {"mail_id": PaperMail}
FORM = ["GET", "POST"]
NOW = "maintenant"
LATER = "programmer"


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    base = "/courriers/<int:mail_id>"
    rule(f"{base}/confirmation", "confirm", confirm, methods=FORM)
    rule(f"{base}/apercu/<int:index>.png", "preview_page", preview_page)
    rule(base, "mail", mail_page)
    rule(f"{base}/date", "reschedule", reschedule, methods=FORM)
    rule(f"{base}/annuler", "cancel", cancel, methods=["POST"])
    rule(f"{base}/preuves/<int:proof_id>", "proof", proof)
    rule(f"{base}/preuves.zip", "proofs_zip", proofs_zip)
    rule(f"{base}/courrier.pdf", "sent_pdf", sent_pdf)


# --- forms -----------------------------------------------------------------------------------


class ConfirmForm(FlaskForm):
    when = RadioField(
        _l("Quand l'envoyer ?"),
        choices=[
            SelectChoice(NOW, _l("Envoyer maintenant")),
            SelectChoice(LATER, _l("Programmer l'envoi")),
        ],
        default=NOW,
    )
    send_on = TypedDateField(_l("Date d'envoi"))
    confirmed = BooleanField(
        _l("Je confirme le visuel du courrier, l'adresse du destinataire et la date d'envoi"),
        validators=[DataRequired(_l("Cochez cette case pour confirmer l'envoi."))],
    )


class DateForm(FlaskForm):
    send_on = TypedDateField(
        _l("Nouvelle date d'envoi"), validators=[DataRequired(_l("Choisissez une date d'envoi."))]
    )


class CancelForm(FlaskForm):
    pass


# --- helpers ---------------------------------------------------------------------------------


def earliest() -> date:
    """The first day a mail may be scheduled for (tomorrow, Paris): the sending part's rule."""
    from plugins.paper_mail import sending

    return sending.earliest_date()


def long_date(day: date | None) -> str:
    """« mardi 3 mars 2027 »."""
    return format_date(day, "EEEE d MMMM yyyy") if day else ""


def short_date(day: date | None) -> str:
    return format_date(day, "dd/MM/yyyy") if day else ""


def handover_now(mail: PaperMail) -> date:
    """The day ``mail`` validated now is handed to La Poste (the tenant's cut-off)."""
    from plugins.paper_mail import sending

    return rules.handover_date(clock.now(), sending.cutoff(mail))


def _dates() -> dict:
    return {"long_date": long_date, "short_date": short_date}


def mail_url(mail: PaperMail) -> str:
    return url_for("paper_mail.mail", mail_id=mail.id)


def _message(refusal: Exception) -> list[str]:
    """What a refusal of the sending part says (``messages``, ``message`` or its text)."""
    messages = getattr(refusal, "messages", None)
    if messages:
        return [str(message) for message in messages]
    return [str(getattr(refusal, "message", None) or refusal)]


def _steps(mail: PaperMail) -> list[dict]:
    """The compose frame's step indicator at step 4, the three steps before it links back."""
    steps = (
        ("paper_mail.documents", _("Documents")),
        ("paper_mail.mode", _("Mode d'envoi")),
        ("paper_mail.recipient", _("Destinataire")),
    )
    found = [
        {"number": number, "label": label, "current": False, "url": url_for(e, mail_id=mail.id)}
        for number, (e, label) in enumerate(steps, start=1)
    ]
    return [*found, {"number": 4, "label": _("Confirmation"), "current": True, "url": None}]


def _refused(form, refusal) -> None:
    """A refusal of the sending part next to its field (the date), else above the form."""
    field = getattr(form, refusal.field, None) if getattr(refusal, "field", None) else None
    if field is None:
        form.form_errors.extend(_message(refusal))
    else:
        field.errors = [*field.errors, refusal.message]


def recipient_lines(mail: PaperMail) -> list[str]:
    """The recipient as it will be printed: name, lines, « code postal ville »."""
    place = f"{mail.recipient_postal_code} {mail.recipient_city}".strip()
    return [line for line in (mail.recipient_name, *(mail.recipient_lines or []), place) if line]


def sender_lines(mail: PaperMail) -> list[str]:
    place = f"{mail.sender_postal_code} {mail.sender_city}".strip()
    return [line for line in (mail.sender_name, *(mail.sender_lines or []), place) if line]


def _recap(mail: PaperMail) -> dict:
    """What the confirmation and the mail's page both show."""
    from plugins.paper_mail import checks

    info = rules.MODES.get(mail.mode)
    sheets = checks.sheets_of_mail(mail)  # from the pages recorded: a purged mail counts too
    return {
        "mail": mail,
        "info": info,
        "mode_label": _(info.label) if info else mail.mode,
        "mode_delay": _(info.delay) if info else "",
        "sheets": sheets,
        "staples": sum(1 for document in mail.documents if document.staple),
        "recipient": recipient_lines(mail),
        "typed": mail.recipient_source == RecipientSource.TYPED,
        "sender": sender_lines(mail) if info is not None and info.needs_parties else [],
        "long_date": long_date,
        "short_date": short_date,
    }


# --- step 4: confirmation --------------------------------------------------------------------


@handler(Access.PROFILE, load=LOAD)
def confirm(mail: PaperMail):
    """GET/POST ``/paper-mail/courriers/<id>/confirmation``: send now or on a day, with the
    preview, the recap, the price TTC, the balance after and the hand-over day; validated once
    (two clicks, two tabs: the second finds it validated and goes to its page)."""
    from plugins.paper_mail import assembly, pricing, sending

    if mail.state != MailState.DRAFT:
        return redirect(mail_url(mail))
    form = ConfirmForm()
    if not form.is_submitted():
        form.when.data = LATER if request.args.get("quand") == LATER else NOW
        form.send_on.data = earliest()
    missing = sending.readiness(mail)
    buy_url = None
    if form.validate_on_submit() and not missing:
        later = form.when.data == LATER
        # A second click or tab: the sending part locks the mail and validates it once.
        profile = current_profile()
        take_sqlite_write_lock(PaperMail.__tablename__)  # before the savepoint (SQLite)
        try:
            with db.session.begin_nested():
                if later:
                    sending.schedule(mail, form.send_on.data, profile)
                else:
                    sending.send_now(mail, profile)
        except (sending.NotEnoughCredit, InsufficientCredit) as short:
            form.form_errors.extend(_message(short))
            if may_open("credits.buy", profile):
                buy_url = url_for("credits.buy")
        except sending.SendRefused as refusal:
            _refused(form, refusal)
        else:
            if later:
                message = _(
                    "Envoi programmé : votre courrier sera remis à La Poste le %(date)s.",
                    date=long_date(mail.handover_on),
                )
            else:
                message = _(
                    "Courrier envoyé : il sera remis à La Poste le %(date)s.",
                    date=long_date(mail.handover_on),
                )
            flash(message, "success")
            return redirect(mail_url(mail))
    quote = pricing.mail_quote(mail) if not missing else None
    balance = ledger.balance_cents(mail.account_id)
    after = balance - quote.total_cents if quote is not None else balance
    if buy_url is None and after < 0 and may_open("credits.buy", current_profile()):
        buy_url = url_for("credits.buy")
    later = form.when.data == LATER
    scheduled_on = form.send_on.data if later and form.send_on.data else None
    context = {
        **_recap(mail),
        "form": form,
        "steps": _steps(mail),
        "missing": missing,
        "quote": quote,
        "balance": balance,
        "after": after,
        "buy_url": buy_url,
        "pages": assembly.preview_pages(mail) if not missing else [],
        "later": later,
        "handover_now": handover_now(mail),
        "handover_later": rules.scheduled_handover_date(scheduled_on) if scheduled_on else None,
        "earliest": earliest(),
    }
    status = 400 if form.is_submitted() else 200
    return render_template("paper_mail/mails/confirm.html", **context), status


@handler(Access.PROFILE, load=LOAD)
def preview_page(mail: PaperMail, index: int):
    """One page of the print preview, as a PNG (404 when it does not exist or was purged)."""
    from plugins.paper_mail import assembly

    if mail.contents_purged_at is not None:
        abort(404)
    try:
        content = assembly.preview_png(mail, index)
    except (IndexError, LookupError, ValueError):
        abort(404)
    response = Response(content, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- a mail's page ---------------------------------------------------------------------------


def _may_change(mail: PaperMail) -> bool:
    from plugins.paper_mail import sending

    return mail.state == MailState.SCHEDULED and sending.may_change(mail)


@handler(Access.PROFILE, load=LOAD)
def mail_page(mail: PaperMail):
    """A validated mail: its state and post tracking, its content, price and proofs; a draft
    goes back to its documents."""
    if mail.state == MailState.DRAFT:
        return redirect(url_for("paper_mail.documents", mail_id=mail.id))
    from plugins.paper_mail import tracking

    sent = mail.sending
    proofs = tracking.proofs_of(mail)
    kept = mail.contents_purged_at is None and sent is not None and bool(sent.documents)
    context = {
        **_recap(mail),
        "status": lists.status(mail),
        "may_change": _may_change(mail),
        "cancel_form": CancelForm(),
        "sending": sent,
        "proofs": proofs,
        "kept": kept,
        "retention_days": current_tenant().config.retention.paper_contents_days,
        "purged": mail.contents_purged_at is not None,
    }
    return render_template("paper_mail/mails/mail.html", **context)


@handler(Access.PROFILE, load=LOAD)
def reschedule(mail: PaperMail):
    """GET/POST « Modifier la date d'envoi » of a scheduled mail, until the day before."""
    from plugins.paper_mail import sending

    if not _may_change(mail):
        flash(_("La date d'envoi de ce courrier ne peut plus être modifiée."), "error")
        return redirect(mail_url(mail))
    form = DateForm()
    if form.validate_on_submit():
        take_sqlite_write_lock(PaperMail.__tablename__)  # before the savepoint (SQLite)
        try:
            with db.session.begin_nested():
                sending.reschedule(mail, form.send_on.data, current_profile())
        except sending.SendRefused as refusal:
            _refused(form, refusal)
        else:
            flash(
                _(
                    "Date modifiée : votre courrier sera remis à La Poste le %(date)s.",
                    date=long_date(mail.handover_on),
                ),
                "success",
            )
            return redirect(mail_url(mail))
    elif not form.is_submitted():
        form.send_on.data = mail.send_on
    status = 400 if form.is_submitted() else 200
    context = {"mail": mail, "form": form, "earliest": earliest(), "short_date": short_date}
    return render_template("paper_mail/mails/date.html", **context), status


@handler(Access.PROFILE, load=LOAD)
def cancel(mail: PaperMail):
    """POST « Annuler l'envoi » of a scheduled mail (refunded), until the day before it leaves:
    a first POST asks again, the second (``confirme``) cancels."""
    from plugins.paper_mail import sending

    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    if not _may_change(mail):
        flash(_("Ce courrier ne peut plus être annulé."), "error")
        return redirect(mail_url(mail))
    if request.form.get("confirme") != "1":  # asked once more, on a page of its own
        price = mail.sending.price_cents if mail.sending is not None else 0
        return render_template(
            "paper_mail/mails/cancel.html", mail=mail, form=form, price=price, **_dates()
        )
    take_sqlite_write_lock(PaperMail.__tablename__)  # before the savepoint (SQLite)
    try:
        with db.session.begin_nested():
            sending.cancel(mail, current_profile())
    except sending.SendRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(_("Envoi annulé : son prix a été recrédité sur votre compte."), "success")
    return redirect(mail_url(mail))


# --- proofs and the printed PDF --------------------------------------------------------------


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@handler(Access.PROFILE, load=LOAD)
def proof(mail: PaperMail, proof_id: int):
    """One proof of the mail's sending (deposit, AR scan, return…); another mail's is a 404."""
    from plugins.paper_mail import tracking
    from portal.core.sendings import proof_bytes

    row = tracking.proof_of(mail, proof_id)
    if row is None:
        abort(404)
    try:
        content = proof_bytes(row)
    except LookupError:
        flash(_("Cette preuve n'est plus disponible (durée de conservation dépassée)."), "error")
        return redirect(mail_url(mail))
    return _download(content, "application/pdf", row.filename)


@handler(Access.PROFILE, load=LOAD)
def proofs_zip(mail: PaperMail):
    """« Télécharger toutes les preuves »: one ZIP."""
    from portal.core.sendings import proofs_zip as bundle

    if mail.sending is None or not mail.sending.proofs:
        flash(_("Ce courrier n'a pas encore de preuve à télécharger."), "error")
        return redirect(mail_url(mail))
    try:
        content = bundle(mail.sending)
    except LookupError:
        flash(_("Certaines preuves ne sont plus disponibles (durée de conservation dépassée)."))
        return redirect(mail_url(mail))
    return _download(content, "application/zip", f"preuves-{mail.reference}.zip")


@handler(Access.PROFILE, load=LOAD)
def sent_pdf(mail: PaperMail):
    """« Voir le courrier envoyé »: the PDF the printer received (its files one after the
    other), while the contents are kept."""
    from pypdf import PdfWriter

    from portal.core.storage import storage

    sent = mail.sending
    if mail.contents_purged_at is not None or sent is None or not sent.documents:
        flash(_("Le contenu de ce courrier a été supprimé après sa durée de conservation."))
        return redirect(mail_url(mail))
    try:
        parts = [storage().read(document.storage_key) for document in sent.documents]
    except (FileNotFoundError, LookupError):
        flash(_("Le contenu de ce courrier a été supprimé après sa durée de conservation."))
        return redirect(mail_url(mail))
    if len(parts) == 1:
        content = parts[0]
    else:
        writer = PdfWriter()
        for part in parts:
            writer.append(io.BytesIO(part))
        out = io.BytesIO()
        writer.write(out)
        content = out.getvalue()
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{mail.reference}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
