"""The online subscription from the client's link (guide §4 « Souscrire en ligne »): « Données
personnelles », « Informations contractuelles », « Informations de paiement », « Confirmation ».
What the client types is kept in their browser session only (``keeping``): nothing reaches the
database before « Signer le contrat »; a step reached without the ones before goes back to the
first. The agent's paper membership form (a quote without email) lives here too."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from plugins.subscription import agenda, checks, keeping, membership, quotes, rules
from plugins.subscription.i18n import _, _l
from plugins.subscription.models import Quote
from plugins.subscription.products import product_of
from plugins.subscription.rules import QuoteState
from portal.core import clock
from portal.core.web.pipeline import Access, handler

STEPS = (
    ("donnees", _l("Données personnelles")),
    ("documents", _l("Informations contractuelles")),
    ("paiement", _l("Informations de paiement")),
    ("signature", _l("Confirmation")),
)
STEP_NAMES = [name for name, _label in STEPS]


class PersonalForm(FlaskForm):
    civility = RadioField(
        _l("Civilité"),
        choices=[SelectChoice(code, _l(label)) for code, label in rules.CIVILITIES.items()],
        validators=[InputRequired(message=_l("Choisissez votre civilité."))],
    )
    last_name = StringField(
        _l("Nom"), validators=[DataRequired(message=_l("Saisissez votre nom.")), Length(max=80)]
    )
    birth_name = StringField(_l("Nom de naissance"), validators=[Optional(), Length(max=80)])
    first_name = StringField(
        _l("Prénom"),
        validators=[DataRequired(message=_l("Saisissez votre prénom.")), Length(max=80)],
    )
    birth_date = DateField(
        _l("Date de naissance"),
        validators=[DataRequired(message=_l("Saisissez votre date de naissance (jj/mm/aaaa)."))],
    )
    social_security_number = StringField(
        _l("Numéro de sécurité sociale"),
        validators=[
            DataRequired(message=_l("Saisissez votre numéro de sécurité sociale.")),
            Length(max=30),
        ],
    )
    mobile = StringField(
        _l("Téléphone mobile"),
        validators=[
            DataRequired(
                message=_l("Saisissez votre numéro de mobile : le code de signature y sera envoyé.")
            ),
            Length(max=20),
        ],
    )
    status_declared = BooleanField(
        validators=[DataRequired(message=_l("Cochez cette case pour continuer."))]
    )
    health_data_transmission = BooleanField()
    marketing_opt_out = BooleanField()


class DocumentsForm(FlaskForm):
    documents_read = BooleanField(
        _l(
            "J'ai pris connaissance du Document d'Information sur le Produit d'Assurance et de "
            "la notice"
        ),
        validators=[
            DataRequired(
                message=_l("Cochez cette case après avoir lu les documents pour continuer.")
            )
        ],
    )


class PaymentForm(FlaskForm):
    account_holder = StringField(
        _l("Titulaire du compte"),
        validators=[
            DataRequired(message=_l("Saisissez le nom du titulaire du compte.")),
            Length(max=120),
        ],
    )
    iban = StringField(
        _l("IBAN"),
        validators=[
            DataRequired(message=_l("Saisissez l'IBAN du compte à débiter.")),
            Length(max=50),
        ],
    )
    bic = StringField(
        _l("BIC"),
        validators=[DataRequired(message=_l("Saisissez le BIC de votre banque.")), Length(max=20)],
    )
    debit_authorised = BooleanField(
        validators=[DataRequired(message=_l("Cochez cette case pour autoriser le prélèvement."))]
    )


class SignatureForm(FlaskForm):
    method = RadioField(
        _l("Mode de signature"),
        choices=[
            SelectChoice("electronic", _l("Signer électroniquement")),
            SelectChoice(
                "by_hand",
                _l(
                    "Signer à la main : je reçois les documents par e-mail, je les imprime, les "
                    "signe et les renvoie"
                ),
            ),
        ],
        default="electronic",
        validators=[InputRequired(message=_l("Choisissez comment signer."))],
    )


FORMS = {
    "donnees": PersonalForm,
    "documents": DocumentsForm,
    "paiement": PaymentForm,
    "signature": SignatureForm,
}


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    blueprint.add_url_rule("/s/<token>", "subscribe", subscribe, methods=["GET"])
    blueprint.add_url_rule("/s/<token>/fin", "subscribe_done", subscribe_done, methods=["GET"])
    blueprint.add_url_rule(
        "/s/<token>/<step>", "subscribe_step", subscribe_step, methods=["GET", "POST"]
    )
    blueprint.add_url_rule(
        "/devis/<int:quote_id>/bulletin.pdf", "paper_form", paper_form, methods=["GET"]
    )


# --- helpers --------------------------------------------------------------------------------------


def _quote_or_404(token: str) -> Quote:
    quote = quotes.quote_for_link(token) if token and len(token) <= 100 else None
    if quote is None:
        abort(404)
    return quote


def _context(quote: Quote, tenant) -> dict:
    product = product_of(tenant, quote.product_code)
    formula = product.formula(quote.formula_code) if product else None
    return {
        "quote": quote,
        "product": product,
        "formula": formula,
        "options": [product.option(code) for code in quote.options or []] if product else [],
        "entity": tenant.config.legal.entity,
        "quote_number": quotes.display_number(quote),
        "document_url": lambda kind: _document_url(product, kind),
    }


def _document_url(product, kind: str) -> str | None:
    from werkzeug.routing import BuildError

    if product is None:
        return None
    try:
        return url_for("subscription.product_document", product=product.code, kind=kind)
    except BuildError:  # the products' route is not there
        return None


def _closed(quote: Quote, tenant, reason: str):
    from plugins.subscription.membership_documents import agent_of

    return render_template(
        "subscription/subscribe/closed.html",
        reason=reason,
        agent=agent_of(quote),
        **_context(quote, tenant),
    ), 410 if quote.state == QuoteState.EXPIRED or quote.expires_on < clock.today(tenant) else 200


def _steps(token: str, current: str, kept: dict) -> list[dict]:
    steps = []
    for number, (name, label) in enumerate(STEPS, start=1):
        reachable = all(previous in kept for previous in STEP_NAMES[: number - 1])
        steps.append(
            {
                "number": number,
                "label": label,
                "current": name == current,
                "done": name in kept,
                "url": url_for("subscription.subscribe_step", token=token, step=name)
                if reachable and name != current
                else None,
            }
        )
    return steps


def _tenant():
    return quotes.scope_tenant()


# --- views ----------------------------------------------------------------------------------------


@handler(Access.ANONYMOUS)
def subscribe(token):
    """The client's link: the first step, or why the quote can no longer be subscribed. The first
    opening moves the quote « Proposé » (and writes it in the agent's agenda)."""
    quote = _quote_or_404(token)
    tenant = _tenant()
    reason = membership.refusal_of(quote, clock.today(tenant))
    if reason is not None:
        signer = _ongoing_signer(quote)
        if signer is not None:  # back on the link while signing: the signer's pages again
            from portal.core import signatures

            return redirect(signatures.signer_url(signer, _external=False))
        return _closed(quote, tenant, reason)
    if quote.state == QuoteState.VALIDATED:
        quotes.move(quote, QuoteState.PROPOSED)
        agenda.subscription_started(quote)
    return redirect(url_for("subscription.subscribe_step", token=token, step="donnees"))


def _ongoing_signer(quote: Quote):
    """The client's signer when the quote's e-signature is still under way (else None)."""
    from sqlalchemy import select

    from plugins.subscription.models import Contract
    from portal.core.signatures.models import ProcedureState
    from portal.extensions import db

    if quote.state != QuoteState.ACCEPTED:
        return None
    contract = db.session.scalar(select(Contract).where(Contract.quote_id == quote.id))
    signer = membership.signer_of(contract) if contract is not None else None
    if signer is None or signer.procedure.state != ProcedureState.ONGOING:
        return None
    return signer


@handler(Access.ANONYMOUS)
def subscribe_step(token, step):
    """One step of the subscription (GET shows it with the kept values; POST checks and keeps
    them, then goes on)."""
    if step not in FORMS:
        abort(404)
    quote = _quote_or_404(token)
    tenant = _tenant()
    reason = membership.refusal_of(quote, clock.today(tenant))
    if reason is not None:
        keeping.clear(quote.id)
        signer = _ongoing_signer(quote)
        if signer is not None:  # « Signer le contrat » again: the signature under way
            from portal.core import signatures

            return redirect(signatures.signer_url(signer, _external=False))
        return _closed(quote, tenant, reason)
    if quote.state == QuoteState.VALIDATED:
        quotes.move(quote, QuoteState.PROPOSED)
        agenda.subscription_started(quote)
    kept = keeping.load(quote.id)
    index = STEP_NAMES.index(step)
    if any(previous not in kept for previous in STEP_NAMES[:index]):
        return redirect(url_for("subscription.subscribe_step", token=token, step="donnees"))
    context = _context(quote, tenant)
    form = FORMS[step](data=_form_data(step, kept, quote))
    refusal = None
    if request.method == "POST":
        form = FORMS[step]()
        valid = form.validate_on_submit()
        if _checked(step, form, quote, tenant) and valid:
            if step != "signature":
                keeping.keep_step(quote.id, step, _kept_values(step, form))
                following = STEP_NAMES[index + 1]
                return redirect(url_for("subscription.subscribe_step", token=token, step=following))
            return _sign(quote, token, kept, by_hand=form.method.data == "by_hand")
    return render_template(
        f"subscription/subscribe/{step}.html",
        form=form,
        token=token,
        step=step,
        steps=_steps(token, step, kept),
        previous=url_for("subscription.subscribe_step", token=token, step=STEP_NAMES[index - 1])
        if index
        else None,
        kept=kept,
        refusal=refusal,
        debit_day=quotes.settings(tenant).debit_day,
        creditor_id=quotes.settings(tenant).sepa_creditor_id,
        legal=tenant.config.legal,
        iban_masked=_masked(kept),
        **context,
    )


def _masked(kept: dict) -> str:
    from plugins.subscription.membership_documents import iban_masked

    return iban_masked((kept.get("paiement") or {}).get("iban", ""))


def _sign(quote: Quote, token: str, kept: dict, *, by_hand: bool):
    from portal.core import signatures
    from portal.extensions import db

    try:
        contract = membership.sign_contract(
            quote, kept, by_hand=by_hand, locale=str(get_locale() or "fr")
        )
    except membership.SubscriptionRefused as refusal:
        db.session.rollback()
        signer = _ongoing_signer(quote)
        if signer is not None:  # « Signer le contrat » clicked twice: the signature under way
            keeping.clear(quote.id)
            return redirect(signatures.signer_url(signer, _external=False))
        return _closed(quote, _tenant(), refusal.message)
    keeping.clear(quote.id)
    if by_hand:
        return redirect(url_for("subscription.subscribe_done", token=token))
    return redirect(signatures.signer_url(membership.signer_of(contract), _external=False))


def _form_data(step: str, kept: dict, quote: Quote) -> dict:
    values = dict(kept.get(step) or {})
    if step == "donnees":
        client = quote.client
        if not values:
            values = {
                "civility": client.civility,
                "last_name": client.last_name,
                "birth_name": client.birth_name,
                "first_name": client.first_name,
                "birth_date": client.birth_date,
                "mobile": client.mobile,
            }
        elif isinstance(values.get("birth_date"), str):
            values["birth_date"] = date.fromisoformat(values["birth_date"])
    if step == "documents" and values:
        values = {"documents_read": True}
    if step == "paiement" and values:
        values["debit_authorised"] = True
    return values


def _checked(step: str, form, quote: Quote, tenant) -> bool:
    """The checks a validator cannot make alone: the NIR with the birth date and civility, the
    mobile, the IBAN and BIC. Errors go next to their fields."""
    from portal.core.sms import InvalidPhoneNumber, normalize_mobile

    ok = True
    if step == "donnees":
        problem = checks.nir_problem(
            form.social_security_number.data,
            birth_date=form.birth_date.data,
            civility=form.civility.data,
        )
        if problem and not form.social_security_number.errors:
            form.social_security_number.errors = [problem]
        ok = ok and not problem
        try:
            if (form.mobile.data or "").strip():
                form.mobile.data = normalize_mobile(form.mobile.data)
        except InvalidPhoneNumber:
            form.mobile.errors = [
                _("Saisissez un numéro de mobile valide : le code de signature y sera envoyé.")
            ]
            ok = False
    elif step == "paiement":
        for name, problem in (
            ("iban", checks.iban_problem(form.iban.data)),
            ("bic", checks.bic_problem(form.bic.data, form.iban.data)),
        ):
            if problem and not form[name].errors:
                form[name].errors = [problem]
            ok = ok and not problem
    return ok


def _kept_values(step: str, form) -> dict:
    if step == "donnees":
        return {
            "civility": form.civility.data,
            "last_name": form.last_name.data.strip(),
            "birth_name": (form.birth_name.data or "").strip(),
            "first_name": form.first_name.data.strip(),
            "birth_date": form.birth_date.data.isoformat(),
            "social_security_number": checks.compact_nir(form.social_security_number.data),
            "mobile": form.mobile.data,
            "status_declared": bool(form.status_declared.data),
            "health_data_transmission": bool(form.health_data_transmission.data),
            "marketing_opt_out": bool(form.marketing_opt_out.data),
        }
    if step == "documents":
        return {"read_at": clock.now().isoformat()}
    return {
        "account_holder": form.account_holder.data.strip(),
        "iban": checks.compact_iban(form.iban.data),
        "bic": "".join((form.bic.data or "").split()).upper(),
    }


@handler(Access.ANONYMOUS)
def subscribe_done(token):
    """After « Signer le contrat » by hand (or back from the signer's pages): what comes next."""
    quote = _quote_or_404(token)
    tenant = _tenant()
    return render_template("subscription/subscribe/done.html", **_context(quote, tenant))


@handler(Access.PROFILE, load={"quote_id": Quote})
def paper_form(quote):
    """The paper membership form of a quote (pre-filled; the client writes the rest by hand)."""
    from flask import Response

    from plugins.subscription.membership_documents import membership_form_pdf

    tenant = _tenant()
    content = membership_form_pdf(quote, tenant, paper=True)
    name = f"bulletin-adhesion-{quote.prefix}-{quote.number:010d}-{quote.version}.pdf"
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
