"""The agent's quotes: a new quote (« Vente directe », a client's file), « Modifier » (the next
version), the quote page, its PDF, « Renvoyer le devis au client »; and the quote wizard's pages
(:mod:`plugins.subscription.quote_wizard`, mounted at ``/devis/brouillons``)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from plugins.subscription import quote_document, quote_mail, quote_wizard, quotes, rules
from plugins.subscription.forms import ResendForm
from plugins.subscription.i18n import _
from plugins.subscription.models import Quote
from plugins.subscription.products import product_of, tenant_products
from portal.core.accounts.validators import country_name
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

LOAD = {"quote_id": Quote}


@handler(Access.PROFILE)
def quote_start():
    """GET ``/devis/nouveau?product=<code>&client_id=<id>``: a new draft, the product chosen
    (else a choice at « Vos besoins » when the tenant sells several), the client's details when
    ``client_id`` is one of the account's clients (else 404); its first step."""
    code = (request.args.get("product") or "").strip()
    product = product_of(current_tenant(), code) if code else None
    if code and product is None:
        abort(404)
    client = None
    raw_client = (request.args.get("client_id") or "").strip()
    if raw_client:
        if not raw_client.isdigit():
            abort(404)
        client = quote_wizard.owned_client(int(raw_client))
        if client is None:
            abort(404)
    if not tenant_products(current_tenant()):
        abort(404)
    return redirect(quote_wizard.start(product=product, client=client))


@handler(Access.PROFILE, load=LOAD)
def quote_modify(quote: Quote):
    """POST ``/devis/<id>/modifier``: « Modifier » re-runs the wizard pre-filled from the quote;
    its end issues the next version (this one becomes « Décliné »)."""
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    if quote.state not in rules.REISSUABLE:
        flash(
            _(
                "Ce devis ne peut plus être modifié : il est « %(state)s ».",
                state=_(rules.QUOTE_STATE_LABELS[rules.QuoteState(quote.state)]),
            ),
            "error",
        )
        return redirect(url_for(".quote", quote_id=quote.id))
    return redirect(quote_wizard.start_modification(quote))


@handler(Access.PROFILE, load=LOAD)
def quote(quote: Quote):
    """GET ``/devis/<id>``: « Devis n° … / v », its state, « Expire le », « Récapitulatif » and
    the buttons."""
    product = product_of(current_tenant(), quote.product_code)
    return render_template(
        "subscription/quotes/quote.html",
        quote=quote,
        number=quotes.display_number(quote),
        state_label=_(rules.QUOTE_STATE_LABELS[rules.QuoteState(quote.state)]),
        product=product,
        summary=quote_document.summary(quote, product),
        modifiable=quote.state in rules.MODIFIABLE,
        duplicable=quote.state in rules.REISSUABLE - rules.MODIFIABLE,
        resendable=quote.state in rules.SUBSCRIBABLE,
        incomplete=quote.state == rules.QuoteState.INCOMPLETE,
        form=ResendForm(),
        rules=rules,
        country_name=country_name,
        created_on=quote.created_at.astimezone(rules.PARIS).date(),
        emailed_on=(
            quote.emailed_at.astimezone(rules.PARIS).strftime("%d/%m/%Y %H:%M")
            if quote.emailed_at
            else ""
        ),
        has_paper_form=_has_endpoint("subscription.paper_form"),
        has_client_page=_has_endpoint("subscription.client"),
    )


def _has_endpoint(name: str) -> bool:
    from flask import current_app

    return name in current_app.view_functions


@handler(Access.PROFILE, load=LOAD)
def quote_pdf(quote: Quote):
    """GET ``/devis/<id>/devis.pdf``: the quote PDF as issued."""
    content = quote_document.stored_pdf(quote, current_tenant())
    response = Response(content, mimetype="application/pdf")
    filename = f"DEVIS-{quote.prefix}-{quote.number:010d}-{quote.version}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@handler(Access.PROFILE, load=LOAD)
def quote_resend(quote: Quote):
    """POST ``/devis/<id>/renvoyer``: « Renvoyer le devis au client » — one more email with a new
    link (the previous link stops working); only while the quote is « Validé » or « Proposé »."""
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    if quote.state not in rules.SUBSCRIBABLE or not quote.client.email:
        flash(_("Ce devis ne peut plus être renvoyé au client."), "error")
        return redirect(url_for(".quote", quote_id=quote.id))
    quote_mail.resend(quote)
    flash(
        _("Le devis est renvoyé à %(email)s avec un nouveau lien.", email=quote.client.email),
        "success",
    )
    return redirect(url_for(".quote", quote_id=quote.id))


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/devis/nouveau", "quote_start", quote_start)
    rule("/devis/<int:quote_id>", "quote", quote)
    rule("/devis/<int:quote_id>/modifier", "quote_modify", quote_modify, methods=["POST"])
    rule("/devis/<int:quote_id>/devis.pdf", "quote_pdf", quote_pdf)
    rule("/devis/<int:quote_id>/renvoyer", "quote_resend", quote_resend, methods=["POST"])
    quote_wizard.wizard.mount(blueprint)
