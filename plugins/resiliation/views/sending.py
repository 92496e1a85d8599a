"""Request handlers: a validated letter's send — « Modifier la date », « Annuler l'envoi »
(until the day before it leaves, refunded once) and « Programmer à nouveau » a cancelled one
(content frozen, the send type chosen again, charged again). Validation itself is the
confirmation page's POST (``views/finalize.py``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField

from plugins.resiliation import finalizing, pricing
from plugins.resiliation import sending as sending_part
from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, LetterState
from plugins.resiliation.views.finalize import SEND_TYPE_LABELS, letter_url
from portal.core.accounts.session import current_profile
from portal.core.credits.ledger import InsufficientCredit
from portal.core.i18n import format_money
from portal.core.tenants import current_tenant
from portal.core.web.fields import TypedDateField
from portal.core.web.pipeline import Access, handler, may_open
from portal.extensions import db


class DateForm(FlaskForm):
    send_date = TypedDateField(_l("Nouvelle date d'envoi"))


class CancelForm(FlaskForm):
    pass


class AgainForm(FlaskForm):
    send_type = RadioField(_l("Type d'envoi"))
    send_date = TypedDateField(_l("Date d'envoi"))


def _error(form, refusal: sending_part.SendRefused) -> None:
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is None:
        form.form_errors.append(refusal.message)
    else:
        field.errors = [*field.errors, refusal.message]


def _context(letter: Letter, form, **extra) -> dict:
    return {
        "letter": letter,
        "form": form,
        "back_url": letter_url(letter),
        "short_date": finalizing.short_date,
        "earliest": sending_part.rules.agency_send_day(
            sending_part.clock.now(), finalizing.settings().agency_cutoff
        ),
        **extra,
    }


@handler(Access.PROFILE, load={"letter_id": Letter})
def change_date(letter):
    """GET/POST ``/resiliation/lettres/<letter_id>/envoi/date``: « Modifier la date »."""
    if not sending_part.may_change(letter):
        flash(_("La date d'envoi de cette lettre ne peut plus être modifiée."), "error")
        return redirect(letter_url(letter))
    form = DateForm()
    if form.validate_on_submit():
        sending_part.write_lock()  # before the savepoint (SQLite)
        try:
            with db.session.begin_nested():
                sending_part.reschedule_letter(letter, form.send_date.data, current_profile())
        except sending_part.SendRefused as refusal:
            _error(form, refusal)
        else:
            flash(
                _(
                    "Date modifiée : votre lettre sera envoyée le %(date)s.",
                    date=finalizing.short_date(letter.send_date),
                ),
                "success",
            )
            return redirect(letter_url(letter))
    elif not form.is_submitted():
        form.send_date.data = letter.send_date
    status = 400 if form.is_submitted() else 200
    return render_template("resiliation/sending/date.html", **_context(letter, form)), status


@handler(Access.PROFILE, load={"letter_id": Letter})
def cancel(letter):
    """GET/POST ``/resiliation/lettres/<letter_id>/envoi/annuler``: « Annuler l'envoi »."""
    if letter.state == LetterState.CANCELLED:
        return redirect(letter_url(letter))
    form = CancelForm()
    if form.validate_on_submit():
        sending_part.write_lock()  # before the savepoint (SQLite)
        try:
            with db.session.begin_nested():
                sending_part.cancel_letter_send(letter, current_profile())
        except sending_part.SendRefused as refusal:
            form.form_errors.append(refusal.message)
        else:
            flash(
                _("Envoi annulé : son prix a été recrédité sur votre compte."),
                "success",
            )
            return redirect(letter_url(letter))
    elif not sending_part.may_change(letter):
        flash(_("L'envoi de cette lettre ne peut plus être annulé."), "error")
        return redirect(letter_url(letter))
    status = 400 if form.is_submitted() else 200
    price = letter.sending.price_cents if letter.sending is not None else 0
    context = _context(letter, form, price=price)
    return render_template("resiliation/sending/cancel.html", **context), status


@handler(Access.PROFILE, load={"letter_id": Letter})
def schedule_again(letter):
    """GET/POST ``/resiliation/lettres/<letter_id>/envoi/reprogrammer``: « Programmer à
    nouveau » a cancelled letter (a new send, charged again)."""
    if letter.state != LetterState.CANCELLED:
        return redirect(letter_url(letter))
    tenant = current_tenant()
    form = AgainForm()
    form.send_type.choices = [
        (
            kind.value,
            SEND_TYPE_LABELS[kind]
            % {"price": format_money(pricing.letter_price(letter, tenant, kind).price_cents)},
        )
        for kind in pricing.send_types_for(letter)
    ]
    buy_url = None
    if form.is_submitted():
        if form.validate():
            sending_part.write_lock()  # before the savepoint (SQLite)
            try:
                with db.session.begin_nested():
                    sending_part.schedule_again(
                        letter, form.send_type.data, form.send_date.data, current_profile()
                    )
            except sending_part.SendRefused as refusal:
                _error(form, refusal)
            except InsufficientCredit as short:
                form.form_errors.append(str(short))
                if may_open("credits.buy", current_profile()):
                    buy_url = url_for("credits.buy")
            else:
                flash(
                    _(
                        "Envoi programmé : votre lettre sera envoyée le %(date)s.",
                        date=finalizing.short_date(letter.send_date),
                    ),
                    "success",
                )
                return redirect(letter_url(letter))
    else:
        form.send_type.data = finalizing.send_type_for(letter, letter.send_type).value
        earliest = _context(letter, form)["earliest"]
        form.send_date.data = max(letter.send_date or earliest, earliest)
    status = 400 if form.is_submitted() else 200
    context = _context(letter, form, buy_url=buy_url)
    return render_template("resiliation/sending/again.html", **context), status


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    form = ["GET", "POST"]
    base = "/lettres/<int:letter_id>/envoi"
    blueprint.add_url_rule(f"{base}/date", "change_send_date", change_date, methods=form)
    blueprint.add_url_rule(f"{base}/annuler", "cancel_send", cancel, methods=form)
    blueprint.add_url_rule(f"{base}/reprogrammer", "schedule_again", schedule_again, methods=form)
    blueprint.add_app_template_global(sending_part.panel, "resiliation_sending_panel")
