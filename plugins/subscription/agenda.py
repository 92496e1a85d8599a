"""The agent's agenda: one line per thing that happened to a quote or contract (guide §1 « AGENDA »:
« Effet le », « Description », « Domaine d'application », « Créé le »). Each event is written once
(its ``key``), in the caller's transaction, in the language its quote was issued in; closing one
hides it from the home page, it stays in the client's file."""

from __future__ import annotations

from datetime import date

from plugins.subscription import rules
from plugins.subscription.i18n import _
from plugins.subscription.models import AgendaEvent, Contract, Quote
from portal.core import clock
from portal.core.database import insert_ignoring_duplicates
from portal.core.i18n import force_locale
from portal.core.tenants import tenant_directory
from portal.core.tenants.scoping import active_tenant_id
from portal.extensions import db

# Event kinds (the agenda's filter offers them).
QUOTE_ISSUED = "quote_issued"
QUOTE_EXPIRED = "quote_expired"
SUBSCRIPTION_STARTED = "subscription_started"
CONTRACT_SIGNED = "contract_signed"
SIGNATURE_FAILED = "signature_failed"
SIGNED_BY_HAND = "signed_by_hand"
DOCUMENTS_AWAITED = "documents_awaited"
FILE_TRANSMITTED = "file_transmitted"
MEMBERSHIP_CREATED = "membership_created"

KIND_LABELS = {
    QUOTE_ISSUED: rules.N_("Devis envoyé"),
    QUOTE_EXPIRED: rules.N_("Devis expiré"),
    SUBSCRIPTION_STARTED: rules.N_("Souscription commencée"),
    CONTRACT_SIGNED: rules.N_("Adhésion signée"),
    SIGNATURE_FAILED: rules.N_("Échec de signature"),
    SIGNED_BY_HAND: rules.N_("Signature manuscrite"),
    DOCUMENTS_AWAITED: rules.N_("Pièces attendues"),
    FILE_TRANSMITTED: rules.N_("Dossier transmis"),
    MEMBERSHIP_CREATED: rules.N_("Adhésion créée"),
}


def note(
    *,
    key: str,
    kind: str,
    account_id: int,
    managed_by_id: int | None,
    effective_on: date,
    description: str,
    domain: str,
    quote_id: int | None = None,
    contract_id: int | None = None,
) -> bool:
    """Write one agenda event, once per ``key`` (False: it was already there)."""
    written = db.session.execute(
        insert_ignoring_duplicates(AgendaEvent)
        .values(
            tenant_id=active_tenant_id(),
            key=key,
            kind=kind,
            account_id=account_id,
            managed_by_id=managed_by_id,
            effective_on=effective_on,
            description=description[:500],
            domain=domain[:60],
            quote_id=quote_id,
            contract_id=contract_id,
            created_at=clock.now(),
        )
        .returning(AgendaEvent.id)
    ).scalar()
    return written is not None


def _locale_of(row):
    """The language the quote was issued in (a contract's quote's): the agent's."""
    quote = row if isinstance(row, Quote) else getattr(row, "quote", None)
    locale = getattr(quote, "locale", None)
    return force_locale(
        locale or tenant_directory().by_id(active_tenant_id()).config.default_locale
    )


def _client_label(client) -> str:
    civility = _(rules.CIVILITIES.get(client.civility, "")) if client.civility else ""
    return f"{civility} {client.last_name.upper()} {client.first_name}".strip()


def _about(quote_or_contract, what: str) -> str:
    """« Pour le client : M. DURAND Paul, dossier Horizon Monde, Horizon Monde 200, <what>. »"""
    from plugins.subscription.products import product_of

    tenant = tenant_directory().by_id(active_tenant_id())
    product = product_of(tenant, quote_or_contract.product_code)
    formula = product.formula(quote_or_contract.formula_code) if product else None
    return _(
        "Pour le client : %(client)s, dossier %(product)s, %(formula)s, %(what)s.",
        client=_client_label(quote_or_contract.client),
        product=product.name if product else quote_or_contract.product_code,
        formula=formula.name if formula else quote_or_contract.formula_code,
        what=what,
    )


def quote_domain(quote: Quote) -> str:
    return _(
        "Devis n° %(number)s", number=rules.quote_number(quote.prefix, quote.number, quote.version)
    )


def contract_domain(contract: Contract) -> str:
    return _(
        "Contrat n° %(number)s", number=rules.contract_number(contract.prefix, contract.number)
    )


def _for_quote(quote: Quote, kind: str, what: str, effective_on: date | None = None) -> bool:
    with _locale_of(quote):
        return note(
            key=f"{kind}:{quote.id}",
            kind=kind,
            account_id=quote.account_id,
            managed_by_id=quote.managed_by_id,
            effective_on=effective_on or quote.effective_date,
            description=_about(quote, what),
            domain=quote_domain(quote),
            quote_id=quote.id,
        )


def _for_contract(contract: Contract, kind: str, what: str) -> bool:
    with _locale_of(contract):
        return note(
            key=f"{kind}:{contract.id}",
            kind=kind,
            account_id=contract.account_id,
            managed_by_id=contract.managed_by_id,
            effective_on=contract.effective_date,
            description=_about(contract, what),
            domain=contract_domain(contract),
            quote_id=contract.quote_id,
            contract_id=contract.id,
        )


def quote_issued(quote: Quote) -> bool:
    with _locale_of(quote):
        what = (
            _(
                "devis envoyé au client, valable jusqu'au %(day)s",
                day=quote.expires_on.strftime("%d/%m/%Y"),
            )
            if quote.state == rules.QuoteState.VALIDATED
            else _("devis sans adresse e-mail : bulletin d'adhésion papier à remettre au client")
        )
    return _for_quote(quote, QUOTE_ISSUED, what)


def quote_expired(quote: Quote) -> bool:
    with _locale_of(quote):
        what = _("devis expiré sans souscription")
    return _for_quote(quote, QUOTE_EXPIRED, what, effective_on=quote.expires_on)


def subscription_started(quote: Quote) -> bool:
    with _locale_of(quote):
        what = _("le client a ouvert la souscription en ligne")
    return _for_quote(quote, SUBSCRIPTION_STARTED, what)


def contract_signed(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("Demande d'adhésion au contrat signée électroniquement")
    return _for_contract(contract, CONTRACT_SIGNED, what)


def signature_failed(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("échec de la signature électronique : dupliquez le devis")
    return _for_contract(contract, SIGNATURE_FAILED, what)


def signed_by_hand(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("dossier d'adhésion envoyé au client pour signature manuscrite")
    return _for_contract(contract, SIGNED_BY_HAND, what)


def documents_awaited(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("pièces justificatives attendues du client")
    return _for_contract(contract, DOCUMENTS_AWAITED, what)


def file_transmitted(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("pièces justificatives reçues, dossier transmis au service de gestion")
    return _for_contract(contract, FILE_TRANSMITTED, what)


def membership_created(contract: Contract) -> bool:
    with _locale_of(contract):
        what = _("adhésion créée par le service de gestion")
    return _for_contract(contract, MEMBERSHIP_CREATED, what)
