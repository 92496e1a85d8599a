"""Request handlers: finalising a letter — « Finaliser l'envoi de la lettre » (send type, dates,
the letter's preview) and the confirmation of the dates, with the price and the balance."""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.validators import DataRequired, InputRequired

from plugins.resiliation import finalizing, pricing
from plugins.resiliation import sending as sending_part
from plugins.resiliation.finalizing import Refused
from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import SendType
from portal.core.accounts.session import current_profile
from portal.core.credits import ledger
from portal.core.credits.ledger import InsufficientCredit
from portal.core.i18n import format_money
from portal.core.tenants import current_tenant
from portal.core.web.fields import TypedDateField
from portal.core.web.pipeline import Access, handler, may_open
from portal.extensions import db

SEND_TYPE_LABELS = {
    SendType.LRAR: _l("Avec accusé de réception (%(price)s TTC)"),
    SendType.LR: _l("Sans accusé de réception (%(price)s TTC)"),
}
SEND_TYPE_NAMES = {
    SendType.LRAR: _l("Avec accusé de réception"),
    SendType.LR: _l("Sans accusé de réception"),
}


class FinalizeForm(FlaskForm):
    send_type = RadioField(
        _l("Type d'envoi"), validators=[InputRequired(_l("Choisissez le type d'envoi."))]
    )
    effective_date = TypedDateField(
        _l("Choisissez une date de prise d'effet des nouveaux contrats")
    )
    send_date = TypedDateField(_l("Choisissez votre date d'envoi"))


class ConfirmForm(FlaskForm):
    confirm = BooleanField(
        _l("Je confirme ces dates et je suis responsable de ce choix"),
        validators=[DataRequired(_l("Cochez cette case pour confirmer les dates."))],
    )


def letter_page(letter: Letter) -> str | None:
    """The letter's page (None while that page does not exist)."""
    if "resiliation.letter" in current_app.view_functions:
        return url_for("resiliation.letter", letter_id=letter.id)
    return None


def letter_url(letter: Letter) -> str:
    """The letter's page, else the plugin's home."""
    return letter_page(letter) or url_for("resiliation.home")


def _add_error(form, name: str | None, message: str) -> None:
    if name is None:
        form.form_errors.append(message)
    else:
        field = getattr(form, name)
        field.errors = [*field.errors, message]


def _plan_from_post(letter: Letter, form: FinalizeForm, action: str) -> finalizing.Plan:
    send_type = form.send_type.data
    dated = finalizing.dated_by_effect(letter)
    name = "effective_date" if dated else "send_date"
    picked = request.form.get("nearest")
    if picked:
        try:
            day = date.fromisoformat(picked)
        except ValueError:
            day = None
        action = "choose"
    else:
        day = getattr(form, name).data
    if action == "earliest" or (action == "send" and day is None):
        return finalizing.plan_earliest(letter, send_type)
    if day is None:
        message = (
            _("Indiquez la date de prise d'effet des nouveaux contrats.")
            if dated
            else _("Indiquez la date d'envoi de votre lettre.")
        )
        raise Refused(message, name)
    if dated:
        return finalizing.plan_for_effective_date(letter, day, send_type)
    return finalizing.plan_for_send_date(letter, day, send_type)


@handler(Access.PROFILE, load={"letter_id": Letter})
def finalize(letter):
    """GET/POST ``/resiliation/lettres/<letter_id>/finaliser``: type, dates, preview."""
    tenant = current_tenant()
    form = FinalizeForm()
    form.send_type.choices = [
        (
            kind.value,
            SEND_TYPE_LABELS[kind]
            % {"price": format_money(pricing.letter_price(letter, tenant, kind).price_cents)},
        )
        for kind in pricing.send_types_for(letter)
    ]
    dated = finalizing.dated_by_effect(letter)
    items = finalizing.remaining(letter) if letter.editable else []
    stored = finalizing.current_plan(letter)
    if request.method == "GET":
        form.send_type.data = finalizing.send_type_for(letter, letter.send_type).value
        if stored is not None and not stored.as_early_as_possible:
            if dated:
                form.effective_date.data = stored.effective_date
            else:
                form.send_date.data = stored.send_date
    nearest = []
    failed = False
    if request.method == "POST":
        failed = True
        if form.validate_on_submit():
            action = request.form.get("action", "send")
            try:
                finalizing.check_finalizable(letter)
                plan = _plan_from_post(letter, form, action)
                finalizing.choose(letter, plan)
            except Refused as refusal:
                _add_error(form, refusal.field, str(refusal))
                nearest = refusal.nearest
            else:
                if action == "send" and not request.form.get("nearest"):
                    return redirect(url_for("resiliation.confirm", letter_id=letter.id))
                return redirect(url_for("resiliation.finalize", letter_id=letter.id))
    plan = stored
    if plan is None or finalizing.is_stale(letter, plan):
        plan = finalizing.plan_earliest(letter, letter.send_type)
    earliest = finalizing.earliest_send_day(letter)
    context = {
        "letter": letter,
        "form": form,
        "dated": dated,
        "remaining": items,
        "plan": plan,
        "chosen": stored is not None and not finalizing.is_stale(letter, stored),
        "stale": stored is not None and finalizing.is_stale(letter, stored),
        "nearest": nearest,
        "earliest": earliest,
        "earliest_is_today": earliest == finalizing.paris_today(),
        "cutoff": finalizing.cutoff_label(letter),
        "first_letter": letter.editable and finalizing.is_first_letter(letter),
        "first_letter_cutoff": _first_letter_cutoff(),
        "short_date": finalizing.short_date,
        "back_url": letter_url(letter),
    }
    return render_template("resiliation/finalize/page.html", **context), 400 if failed else 200


def _first_letter_cutoff() -> str:
    from babel.dates import format_time

    from portal.core.i18n import _locale

    return format_time(finalizing.settings().first_letter_cutoff, "short", locale=_locale())


@handler(Access.PROFILE, load={"letter_id": Letter})
def confirm(letter):
    """GET/POST ``/resiliation/lettres/<letter_id>/confirmer``: both dates, the type and its
    price, the balance before and after, the kind of LRE, and « Je confirme ces dates… » with
    « Valider et envoyer le … » (« Signer le mandat et envoyer »): the dates confirmed and the
    letter validated in one step (:func:`plugins.resiliation.sending.validate_letter`) — charged
    once; refused with the reason next to the box, nothing changed."""
    tenant = current_tenant()
    if not letter.editable:
        flash(str(finalizing.CLOSED), "error")
        return redirect(letter_url(letter))
    if finalizing.remaining(letter):
        flash(str(finalizing.NOT_READY), "error")
        return redirect(url_for("resiliation.finalize", letter_id=letter.id))
    plan = finalizing.current_plan(letter)
    if plan is None:
        flash(_("Choisissez d'abord le type d'envoi et la date de votre lettre."), "error")
        return redirect(url_for("resiliation.finalize", letter_id=letter.id))
    if finalizing.is_stale(letter, plan):
        flash(_("La date d'envoi choisie est passée : choisissez-en une nouvelle."), "error")
        return redirect(url_for("resiliation.finalize", letter_id=letter.id))
    form = ConfirmForm()
    profile = current_profile()
    refusal_link = None
    if form.validate_on_submit():
        sending_part.write_lock()  # before the savepoint (SQLite)
        try:
            with db.session.begin_nested():
                finalizing.confirm(letter)
                sent = sending_part.validate_letter(letter, profile)
        except Refused as refusal:
            _add_error(form, None, str(refusal))
        except sending_part.SendRefused as refusal:
            _add_error(form, refusal.field if refusal.field == "confirm" else None, refusal.message)
            refusal_link = (refusal.link, refusal.link_label) if refusal.link else None
        except InsufficientCredit as short:
            _add_error(form, None, str(short))
        else:
            flash(_validated_message(letter, sent), "success")
            return redirect(letter_url(letter))
    price = pricing.letter_price(letter, tenant, plan.send_type)
    balance = ledger.balance_cents(letter.account_id)
    after = balance - price.price_cents
    buy_url = (
        url_for("credits.buy") if after < 0 and may_open("credits.buy", current_profile()) else None
    )
    context = {
        "letter": letter,
        "form": form,
        "plan": plan,
        "refusal_link": refusal_link,
        "lre": sending_part.qualification(letter),
        "identity_url": url_for("verification.identity"),
        "button": _send_button(letter, plan),
        "first_letter": finalizing.is_first_letter(letter),
        "first_letter_cutoff": _first_letter_cutoff(),
        "signature_deadline": sending_part.signature_deadline(letter)
        if _awaits_signature(letter)
        else None,
        "dated": finalizing.dated_by_effect(letter),
        "type_name": SEND_TYPE_NAMES[plan.send_type],
        "price": price,
        "balance": balance,
        "after": after,
        "buy_url": buy_url,
        "confirmed": finalizing.is_confirmed(letter),
        "short_date": finalizing.short_date,
        "back_url": letter_url(letter),
    }
    status = 400 if form.is_submitted() else 200
    return render_template("resiliation/finalize/confirm.html", **context), status


def _awaits_signature(letter: Letter) -> bool:
    """The mandate is e-signed but not signed yet: the send waits for it (manual §5.6)."""
    return letter.mandate_kind == MandateKind.ELECTRONIC and letter.mandate_ready_at is None


def _send_button(letter: Letter, plan) -> str:
    """« Valider et envoyer le 21/06/2021 », or « Signer le mandat et envoyer »."""
    if _awaits_signature(letter):
        return _("Signer le mandat et envoyer")
    if plan.send_date <= finalizing.paris_today():
        return _("Valider et envoyer aujourd'hui")
    return _("Valider et envoyer le %(date)s", date=finalizing.short_date(plan.send_date))


def _validated_message(letter: Letter, sent) -> str:
    held = sending_part.holds(sent)
    if sending_part.HOLD_SIGNATURE in held:
        return _(
            "Lettre validée : elle partira dès que votre client aura signé le mandat, au plus "
            "tard le %(date)s à %(time)s.",
            date=finalizing.short_date(letter.send_date),
            time=finalizing.settings().platform_signature_cutoff.strftime("%H:%M"),
        )
    if sending_part.HOLD_REVIEW in held:
        return _(
            "Lettre validée : votre première lettre est vérifiée par notre équipe avant son envoi."
        )
    if letter.send_date and letter.send_date > finalizing.paris_today():
        return _(
            "Lettre validée : elle sera envoyée le %(date)s.",
            date=finalizing.short_date(letter.send_date),
        )
    return _("Lettre validée : elle est envoyée aujourd'hui.")


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    form = ["GET", "POST"]
    blueprint.add_url_rule("/lettres/<int:letter_id>/finaliser", "finalize", finalize, methods=form)
    blueprint.add_url_rule("/lettres/<int:letter_id>/confirmer", "confirm", confirm, methods=form)
    blueprint.add_app_template_global(finalizing.panel, "resiliation_finalize_panel")
