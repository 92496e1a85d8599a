"""The home page: the product's home for a visitor, the dashboard for a logged-in account.

A visitor is told what the tenant's product does — its enabled services (each plugin's title and
description), what an account of its kind gets, its prices where accounts buy credit — and how to
get in (« S'inscrire gratuitement », « Demander un accès », « Se connecter »). Nothing of any
account is computed for a visitor: the dashboard's cards (hook ``dashboard_widgets``) are
collected only for a logged-in account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import url_for
from flask_babel import gettext as _

from portal.core.accounts.kinds import account_area
from portal.core.i18n import plugin_domain
from portal.core.plugins import DashboardWidget, current_plugins
from portal.core.tenants import CurrentTenant

# The core draws a card that has no template of its own with this one.
CARD_TEMPLATE = "core/widgets/card.html"


@dataclass(frozen=True)
class Service:
    """One service of the tenant as a visitor reads it."""

    name: str
    title: str
    description: str


@dataclass(frozen=True)
class Price:
    label: str
    price: str


def services(tenant: CurrentTenant) -> list[Service]:
    """The tenant's enabled services, in the order of its tenant file, translated through each
    plugin's catalog (then the core's)."""
    plugins = current_plugins()
    found = []
    for name in tenant.config.plugins:
        info = plugins.infos.get(name)
        if info is None or not plugins.is_enabled(name, tenant) or info.category != "service":
            continue
        domain = plugin_domain(name)
        found.append(Service(name, domain.gettext(info.title), domain.gettext(info.description)))
    return found


def service_links(tenant: CurrentTenant) -> list[tuple[Service, str]]:
    """Each enabled service with the endpoint of its first main-menu entry (services without one
    are left out)."""
    entries = {
        name: sorted(items or [], key=lambda item: item.order)
        for name, items in current_plugins().call_each("main_menu_items", tenant=tenant)
    }
    found = []
    for service in services(tenant):
        menu = entries.get(service.name)
        if menu:
            found.append((service, url_for(menu[0].endpoint, **menu[0].values)))
    return found


def features(tenant: CurrentTenant) -> list[str]:
    """What an account of the tenant's kind gets besides the services."""
    area = account_area(tenant)
    found = []
    if area.kind.code == "member":
        found.extend(_member_features(tenant))
    if area.credit:
        found.append(
            _(
                "Un crédit prépayé, sans abonnement ni durée limite : vous ne payez que ce que "
                "vous envoyez, et chaque achat a son reçu."
            )
        )
    if area.letterhead:
        found.append(_("Vos courriers à votre en-tête, signés de votre nom commercial."))
    if area.collaborators:
        found.append(_("Plusieurs utilisateurs sur un même compte, chacun avec son profil."))
    if tenant.config.messaging.help_requests:
        found.append(_("Une équipe qui répond à vos demandes d'aide depuis votre espace."))
    return found


def _member_features(tenant: CurrentTenant) -> list[str]:
    """What a member does with the fund, from the conversation pages the tenant offers."""
    plugins = current_plugins()

    def offered(kind: str) -> bool:
        return bool(plugins.first("messaging_conversations_page", tenant=tenant, kind=kind))

    found = []
    if offered("message"):
        found.append(
            _("Écrire à votre caisse en toute sécurité, et être prévenu par e-mail de sa réponse.")
        )
    if offered("deposit"):
        found.append(
            _("Lui envoyer vos documents (justificatifs, attestations…) sans vous déplacer.")
        )
    if found:
        found.append(_("Retrouver tous vos échanges au même endroit, sur ordinateur ou téléphone."))
    return found


def prices(tenant: CurrentTenant) -> list[Price]:
    """The public price list, where the tenant's accounts buy credit (else none)."""
    from portal.core.credits.ledger import euros
    from portal.core.pricing import price_list

    if not account_area(tenant).credit:
        return []
    return [
        Price(str(item.label), euros(item.price_cents))
        for item in price_list(tenant).values()
        if not item.detail
    ]


def intro(tenant: CurrentTenant) -> str:
    """Who the product is for, in one sentence, by the tenant's kind of accounts."""
    kind = account_area(tenant).kind.code
    if kind == "member":
        return _("Votre espace privé et sécurisé d'adhérent, avec les services de votre caisse :")
    if kind == "sales_agent":
        return _("L'outil des conseillers commerciaux de %(name)s :", name=tenant.name)
    return _(
        "Pour les agences et cabinets d'assurance, les services de %(name)s :", name=tenant.name
    )


def visitor_context(tenant: CurrentTenant) -> dict:
    return {
        "signup_mode": tenant.config.accounts.signup,
        "intro": intro(tenant),
        "services": services(tenant),
        "features": features(tenant),
        "prices": prices(tenant),
        "member_space": account_area(tenant).kind.code == "member",
    }


def dashboard_widgets(tenant: CurrentTenant, account, profile) -> list[DashboardWidget]:
    """The account's cards: what needs doing first, then by order; a card without a template of
    its own gets the core's."""
    cards = current_plugins().collect(
        "dashboard_widgets", tenant=tenant, account=account, profile=profile
    )
    cards = [card if card.template else replace(card, template=CARD_TEMPLATE) for card in cards]
    return sorted(cards, key=lambda card: (not card.attention, card.order))
