"""The agent's desk: the home page's « AGENDA » (filter, closed events, « Clôturer », export),
« Portefeuille » (clients by name, quotes by number and state), the client's file (« Synthèse »)
and « Vente directe » (guide §1, §3, §5).

Filters and pages are in the query string: a list is bookmarked, reloaded and exported as shown.
Links to the quote and contract pages are made only when those pages exist (``_link``).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from plugins.subscription import desk, premiums, rules
from plugins.subscription.i18n import _
from plugins.subscription.models import AgendaEvent, Client
from plugins.subscription.products import DOCUMENT_KINDS, names_of, tenant_products
from portal.core import clock
from portal.core.accounts.ownership import account_profiles
from portal.core.accounts.session import current_account
from portal.core.exports import xlsx_response
from portal.core.pagination import page_of
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

AGENDA_PER_PAGE = 20
LIST_PER_PAGE = 20


def _link(endpoint: str, **values) -> str | None:
    """``url_for(endpoint, **values)``, or None while that page is not there."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _event_link(event: AgendaEvent) -> str | None:
    """« ➔ »: the contract's page when the event is about a contract, else the quote's."""
    if event.contract_id is not None:
        return _link("subscription.contract", contract_id=event.contract_id)
    if event.quote_id is not None:
        return _link("subscription.quote", quote_id=event.quote_id)
    return None


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _sale_products():
    return tenant_products(current_tenant())


@handler(Access.PROFILE)
def home():
    """« AGENDA »: the account's events, newest effect date first, 20 a page."""
    account = current_account()
    filters = desk.AgendaFilters.from_args(request.args)
    page = page_of(desk.agenda_query(account.id, filters), _page_number(), per_page=AGENDA_PER_PAGE)
    page.rows = [
        {"event": event, "kind": desk.kind_label(event.kind), "link": _event_link(event)}
        for event in page.items
    ]
    return render_template(
        "subscription/home/agenda.html",
        page=page,
        filters=filters,
        products=_sale_products(),
        link=_link,
    )


@handler(Access.PROFILE)
def agenda_export():
    """« Exporter »: the filtered agenda as an Excel workbook, streamed."""
    account = current_account()
    tenant = current_tenant()
    filters = desk.AgendaFilters.from_args(request.args)
    path = desk.write_agenda_workbook(account.id, filters, tenant)
    return xlsx_response(path, desk.export_filename(clock.local_now(tenant)))


@handler(Access.PROFILE, load={"event_id": AgendaEvent})
def agenda_close(event: AgendaEvent):
    """« Clôturer »: the event leaves the home page (idempotent), back to the list as it was."""
    if desk.close_event(event, clock.now()):
        flash(_("L'événement est clôturé : il reste visible dans le dossier du client."), "success")
    filters = desk.AgendaFilters.from_args(request.form)
    values = filters.args()
    page = request.form.get("page", type=int)
    if page and page > 1:
        values["page"] = page
    return redirect(url_for("subscription.home", **values))


@handler(Access.PROFILE)
def portfolio():
    """« Portefeuille »: the account's clients by « Nom / raison sociale » (« % »: all)."""
    account = current_account()
    name = " ".join((request.args.get("nom") or "").split())[: desk.MAX_TEXT]
    submitted = "nom" in request.args
    error = ""
    page = None
    if submitted and not name:
        error = _("Saisissez un nom, ou « % » pour lister tout votre portefeuille.")
    elif submitted:
        page = page_of(desk.client_search(account.id, name), _page_number(), LIST_PER_PAGE)
        with_contract = desk.clients_with_contract([client.id for client in page.items])
        page.rows = [
            {
                "client": client,
                "role": desk.client_role(client.id in with_contract),
                "link": url_for("subscription.client", client_id=client.id),
            }
            for client in page.items
        ]
    return render_template(
        "subscription/home/portfolio.html", name=name, error=error, page=page, tab="clients"
    )


@handler(Access.PROFILE)
def quote_search():
    """« Devis »: the account's quotes by « Identifiant devis » and « Statut devis »."""
    account = current_account()
    search = desk.QuoteSearch.from_args(request.args)
    page = None
    if search.submitted and not search.error:
        page = page_of(desk.quote_query(account.id, search), _page_number(), LIST_PER_PAGE)
        tenant = current_tenant()
        page.rows = [
            {
                "quote": quote,
                **_names(tenant, quote),
                "state": desk.state_label(quote.state),
                "link": _link("subscription.quote", quote_id=quote.id),
            }
            for quote in page.items
        ]
    return render_template(
        "subscription/home/quote_search.html",
        search=search,
        page=page,
        states=rules.QUOTE_STATE_LABELS,
        tab="quotes",
    )


@handler(Access.PROFILE, load={"client_id": Client})
def client(client: Client):
    """The client's file, « Synthèse »: details, balance, « DEVIS », « CONTRATS », events."""
    tenant = current_tenant()
    profiles = {profile.id: profile.name for profile in account_profiles(client.account_id)}
    account = current_account()
    quotes = [
        {
            "quote": quote,
            **_names(tenant, quote),
            "state": desk.state_label(quote.state),
            "link": _link("subscription.quote", quote_id=quote.id),
        }
        for quote in desk.client_quotes(client)
    ]
    contracts = [
        {
            "contract": contract,
            "number": rules.contract_number(contract.prefix, contract.number),
            **_names(tenant, contract),
            "progress": desk.progress_label(contract.progress),
            "manager": profiles.get(contract.managed_by_id) or account.display_name,
            "link": _link("subscription.contract", contract_id=contract.id),
        }
        for contract in desk.client_contracts(client)
    ]
    events = [
        {"event": event, "kind": desk.kind_label(event.kind), "link": _event_link(event)}
        for event in desk.client_events(client)
    ]
    return render_template(
        "subscription/home/client.html",
        client=client,
        civility=rules.CIVILITIES.get(client.civility, ""),
        premiums=premiums.premium_account(client, clock.today(tenant)),
        movement_label=premiums.movement_label,
        owed=premiums.OWED,
        contract_numbers={row["contract"].id: row["number"] for row in contracts},
        quotes=quotes,
        contracts=contracts,
        events=events,
        role=desk.client_role(bool(desk.clients_with_contract([client.id]))),
        new_quote=_link("subscription.quote_start", client_id=client.id),
    )


@handler(Access.PROFILE)
def direct_sale():
    """« Vente directe »: the tenant's products, each with « Nouveau devis » and its documents."""
    products = [
        {
            "product": product,
            "new_quote": _link("subscription.quote_start", product=product.code),
            "documents": [
                {
                    "title": product.documents[kind].title,
                    "url": _link("subscription.product_document", product=product.code, kind=kind),
                }
                for kind in DOCUMENT_KINDS
                if kind in product.documents
            ],
        }
        for product in _sale_products()
    ]
    return render_template("subscription/home/direct_sale.html", products=products)


def _names(tenant, row) -> dict:
    product, formula = names_of(tenant, row)
    return {"product": product, "formula": formula}


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/", "home", home)
    rule("/agenda/export.xlsx", "agenda_export", agenda_export)
    rule("/agenda/<int:event_id>/cloturer", "agenda_close", agenda_close, methods=["POST"])
    rule("/portefeuille", "portfolio", portfolio)
    rule("/portefeuille/devis", "quote_search", quote_search)
    rule("/clients/<int:client_id>", "client", client)
    rule("/vente-directe", "direct_sale", direct_sale)
