"""The quote PDF (« DEVIS.pdf »): the tenant's brand, the seller (the agent's commercial name and
ORIAS), the number and version, the issue date and « Valable jusqu'au », the client, the needs,
the household, the formula and its guarantees, the price lines (main insured with their age,
spouse, each child, options, the association fee), monthly and annual TTC, the insurer and the
legal mentions. Rendered once at issue and kept in storage (``quote.pdf_key``)."""

from __future__ import annotations

import secrets

from plugins.subscription import rules
from plugins.subscription.models import Quote
from plugins.subscription.products import Product, product_of
from portal.extensions import db


def summary(quote: Quote, product: Product | None) -> dict:
    """What the quote page and the PDF show: labels are French source strings (translate them
    where shown)."""
    needs = quote.needs or {}
    formula = product.formula(quote.formula_code) if product else None
    detail = quote.price_detail or {}
    options = []
    for line in detail.get("options") or []:
        option = product.option(line.get("code")) if product else None
        options.append(
            {
                "code": line.get("code"),
                "name": option.name if option else line.get("code"),
                "cents": line.get("cents", 0),
            }
        )
    return {
        "product_name": product.name if product else quote.product_code,
        "formula": formula,
        "effective_date": quote.effective_date,
        "levels": needs.get("levels") or {},
        "regime": needs.get("regime"),
        "postal_code": needs.get("postal_code"),
        "city": needs.get("city"),
        "country": needs.get("country") or "FR",
        "birth_date": rules.iso_date(needs.get("birth_date")),
        "spouse_birth_date": rules.iso_date(needs.get("spouse_birth_date")),
        "children": needs.get("children") or 0,
        "lines": detail.get("lines") or [],
        "options": options,
        "association_fee": detail.get("association_fee", 0),
        "association": product.association.name if product else "",
        "option_names": [option["name"] for option in options],
        "formula_name": formula.name if formula else quote.formula_code,
        "client": quote.client,
        "monthly": quote.monthly_cents,
        "annual": quote.annual_cents,
        "zone": next(
            (zone.label for zone in product.tariff.zones if zone.code == quote.zone), quote.zone
        )
        if product
        else quote.zone,
    }


def quote_pdf(quote: Quote, tenant) -> bytes:
    """The quote PDF, in the tenant's language."""
    from portal.core.accounts.models import Account, Profile
    from portal.core.pdf import render_pdf

    product = product_of(tenant, quote.product_code)
    account = db.session.get(Account, quote.account_id)
    profile = db.session.get(Profile, quote.managed_by_id) if quote.managed_by_id else None
    locale = quote.locale or tenant.config.default_locale
    return render_pdf(
        "subscription/pdf/quote.html",
        tenant=tenant,
        locale=locale,
        quote=quote,
        number=rules.quote_number(quote.prefix, quote.number, quote.version),
        product=product,
        summary=summary(quote, product),
        seller=account,
        seller_profile=profile,
        client=quote.client,
        issued_on=quote.created_at.astimezone(rules.PARIS).date(),
        rules=rules,
    )


def store(quote: Quote, tenant) -> str:
    """Render the quote PDF and keep it (``quote.pdf_key``); the key."""
    from portal.core.storage import storage, tenant_key

    content = quote_pdf(quote, tenant)
    key = tenant_key(
        tenant.id,
        "subscription",
        "quotes",
        f"{quote.prefix}-{quote.number:010d}-{quote.version}-{secrets.token_hex(4)}.pdf",
    )
    storage().put(key, content, "application/pdf")
    quote.pdf_key = key
    return key


def stored_pdf(quote: Quote, tenant) -> bytes:
    """The quote PDF as issued (rendered and kept now if it never was)."""
    from portal.core.storage import storage

    if quote.pdf_key:
        try:
            return storage().read(quote.pdf_key)
        except (FileNotFoundError, LookupError):
            pass
    store(quote, tenant)
    return storage().read(quote.pdf_key)
