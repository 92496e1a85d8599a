"""What happens to quotes: issued from the wizard's values, versioned by « Modifier », moved
between states (the only writer of ``Quote.state``), found from the client's link, expired.
Every function runs in the caller's transaction (the view or job commits)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from plugins.subscription import agenda, rules
from plugins.subscription.i18n import _l
from plugins.subscription.models import Client, Quote
from plugins.subscription.numbers import next_number
from plugins.subscription.products import Product, product_of
from plugins.subscription.rules import QuoteState
from portal.core import clock
from portal.core.database import lock_and_reload
from portal.core.tenants import tenant_directory
from portal.core.tenants.scoping import active_tenant_id
from portal.extensions import db


@dataclass(frozen=True)
class QuoteValues:
    """What the wizard gathered (each step's values), as the quote is issued from them.

    ``needs``: need → level name; ``client``: civility, last_name, birth_name, first_name,
    birth_date, address, address_complement, postal_code, city, country, email (None when the
    client has none), mobile."""

    product_code: str
    needs: dict
    effective_date: date
    regime: str
    postal_code: str
    city: str
    country: str
    birth_date: date
    spouse_birth_date: date | None
    children: int
    formula_code: str
    options: tuple[str, ...]
    client: dict


class QuoteRefused(ValueError):
    """The values cannot make a quote (product gone, formula unknown, not insurable):
    ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def scope_tenant():
    """The tenant whose scope is active (a request's or a job's)."""
    return tenant_directory().by_id(active_tenant_id())


def settings(tenant=None):
    return (tenant or scope_tenant()).settings_for("subscription")


def household_of(values: QuoteValues, product: Product) -> rules.Household:
    return rules.Household(
        birth_date=values.birth_date,
        effective_date=values.effective_date,
        regime=values.regime,
        zone=rules.zone_for(product, values.country, values.postal_code),
        spouse_birth_date=values.spouse_birth_date,
        children=values.children,
    )


def price_detail(price: rules.Price) -> dict:
    """A price as the quote keeps it (JSON)."""

    def line(item: rules.PriceLine) -> dict:
        return {
            "kind": item.kind,
            "cents": item.cents,
            "age": item.age,
            "rank": item.rank,
            "code": item.code,
        }

    return {
        "lines": [line(item) for item in price.lines],
        "options": [line(item) for item in price.options],
        "association_fee": price.association_fee,
    }


def _priced(values: QuoteValues, tenant) -> tuple[Product, rules.Household, rules.Price]:
    product = product_of(tenant, values.product_code)
    if product is None:
        raise QuoteRefused(_l("Ce produit n'est plus proposé."))
    formula = product.formula(values.formula_code)
    if formula is None:
        raise QuoteRefused(_l("Choisissez une formule."))
    household = household_of(values, product)
    try:
        price = rules.price(product, formula, household, values.options)
    except rules.NotInsurable as refusal:
        raise QuoteRefused(_l(refusal.message, **refusal.values)) from None
    return product, household, price


def _client_for(values: QuoteValues, account, profile, client: Client | None) -> Client:
    fields = dict(values.client)
    if client is None:
        client = Client(account_id=account.id, managed_by_id=getattr(profile, "id", None))
        db.session.add(client)
    for name, value in fields.items():
        setattr(client, name, value)
    return client


def new_link() -> tuple[str, str]:
    """A fresh subscription link token and its SHA-256 (only the hash is stored)."""
    token = secrets.token_urlsafe(24)
    return token, hashlib.sha256(token.encode()).hexdigest()


def issue_quote(
    values: QuoteValues, *, account, profile, client: Client | None = None, previous=None
) -> Quote:
    """Issue a quote (version 1, or the next version of ``previous``, which becomes « Décliné »):
    priced now, numbered, valid ``quote_validity_days``; « Validé » and emailed to the client
    (agent in copy) with its documents and the subscription link, or « Incomplet » when the
    client has no email (the paper membership form instead). The email job makes the link
    (:func:`renew_link`). Raises :class:`QuoteRefused`."""
    tenant = scope_tenant()
    product, household, price = _priced(values, tenant)
    if previous is not None and previous.state not in rules.REISSUABLE:
        raise QuoteRefused(_l("Ce devis ne peut plus être modifié."))
    client = _client_for(values, account, profile, client or getattr(previous, "client", None))
    today = clock.today(tenant)
    has_email = bool(values.client.get("email"))
    quote = Quote(
        account_id=account.id,
        managed_by_id=getattr(profile, "id", None),
        client=client,
        prefix=product.prefix,
        number=previous.number if previous is not None else next_number(product.prefix),
        version=_next_version(previous) if previous is not None else 1,
        product_code=product.code,
        formula_code=values.formula_code,
        options=list(values.options),
        needs={
            "levels": dict(values.needs),
            "regime": values.regime,
            "postal_code": values.postal_code,
            "city": values.city,
            "country": values.country,
            "birth_date": values.birth_date.isoformat(),
            "spouse_birth_date": (
                values.spouse_birth_date.isoformat() if values.spouse_birth_date else None
            ),
            "children": values.children,
        },
        zone=household.zone,
        effective_date=values.effective_date,
        price_detail=price_detail(price),
        monthly_cents=price.monthly,
        annual_cents=price.annual,
        state=QuoteState.VALIDATED if has_email else QuoteState.INCOMPLETE,
        locale=_issuing_locale(tenant),
        expires_on=rules.expires_on(today, settings(tenant).quote_validity_days),
    )
    db.session.add(quote)
    if previous is not None and previous.state in rules.MODIFIABLE:
        move(previous, QuoteState.DECLINED)
    db.session.flush()
    agenda.quote_issued(quote)
    from plugins.subscription import quote_mail

    quote_mail.after_issue(quote)
    return quote


def _issuing_locale(tenant) -> str:
    """The agent's language when issuing from a page, else the tenant's."""
    from flask import has_request_context
    from flask_babel import get_locale

    locale = get_locale() if has_request_context() else None
    return str(locale or tenant.config.default_locale)[:5]


def _next_version(previous: Quote) -> int:
    latest = db.session.scalar(
        select(db.func.max(Quote.version)).where(
            Quote.prefix == previous.prefix, Quote.number == previous.number
        )
    )
    return (latest or previous.version) + 1


def move(quote: Quote, target: QuoteState | str) -> bool:
    """Move ``quote`` to ``target`` (locked and re-read first); returns False when it is already
    there, raises :class:`rules.TransitionRefused` when the state machine does not allow it.
    The only writer of ``Quote.state``."""
    lock_and_reload(quote)
    if quote.state == target:
        return False
    quote.state = rules.check_quote_transition(quote.state, target)
    quote.state_changed_at = clock.now()
    return True


def quote_for_link(token: str) -> Quote | None:
    """The quote of a subscription link in the current tenant (None: unknown token)."""
    if not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return db.session.scalar(select(Quote).where(Quote.link_hash == digest))


def renew_link(quote: Quote) -> str:
    """A new subscription link token for the quote (the quote email carries it; an older link
    stops working)."""
    token, quote.link_hash = new_link()
    return token


def subscribable(quote: Quote, today: date) -> bool:
    """Whether the link still leads to the subscription: its state allows it and it has not
    expired (« valable 30 jours »)."""
    return quote.state in rules.SUBSCRIBABLE and today <= quote.expires_on


def expire_due(today: date) -> int:
    """Every quote of the current tenant past its validity becomes « Expiré »; returns how many
    (the periodic job calls this per tenant)."""
    due = db.session.scalars(
        select(Quote).where(
            Quote.state.in_([state.value for state in rules.EXPIRABLE]), Quote.expires_on < today
        )
    ).all()
    count = 0
    for quote in due:
        try:
            moved = move(quote, QuoteState.EXPIRED)
        except rules.TransitionRefused:  # subscribed meanwhile (read before its lock)
            continue
        if moved:
            agenda.quote_expired(quote)
            count += 1
    return count


def display_number(quote: Quote) -> str:
    """« HMO-0000000033 / 1 »."""
    return rules.quote_number(quote.prefix, quote.number, quote.version)
