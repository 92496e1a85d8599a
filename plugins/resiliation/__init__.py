"""Plugin ``resiliation``: termination letters sent as electronic registered letters."""

from plugins.resiliation.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, PricedItem, TaxonomyNode, hookimpl

plugin_info = PluginInfo(
    name="resiliation",
    title=N_("Résiliation"),
    version="0.1.0",
    description=N_("Lettres de résiliation envoyées en recommandé électronique."),
    sends_letters=True,
)


@hookimpl
def register_blueprints(app):
    from plugins.resiliation.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.resiliation.settings import ResiliationSettings

    return ResiliationSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Résiliation"), endpoint="resiliation.home", order=10)]


@hookimpl
def priced_items(tenant):
    """Default prices in cents, VAT included; a tenant overrides them in ``[prices]``."""
    return [
        PricedItem(
            "resiliation.lrar",
            _l("Lettre recommandée électronique avec accusé de réception (LRAR)"),
            378,
            shown_with_balance=True,
        ),
        PricedItem(
            "resiliation.lr",
            _l("Lettre recommandée électronique (LR)"),
            297,
            shown_with_balance=True,
        ),
        PricedItem(
            "resiliation.lrar_esigned_mandate", _l("LRAR avec mandat signé électroniquement"), 491
        ),
        PricedItem(
            "resiliation.lr_esigned_mandate", _l("LR avec mandat signé électroniquement"), 418
        ),
        PricedItem("resiliation.platform_sender", _l("Envoi au nom de la plateforme (AR)"), 528),
    ]


@hookimpl
def messaging_taxonomy(tenant, category):
    """Agents ask for an insurer or a contract type missing from the lists, or about a letter,
    through a help request."""
    if category != "agent":
        return None
    return [
        TaxonomyNode(
            "resiliation",
            _l("Service Résiliation"),
            children=(
                TaxonomyNode("ajout-compagnie", _l("Demander l'ajout d'une compagnie")),
                TaxonomyNode("ajout-type-contrat", _l("Demander l'ajout d'un type de contrat")),
                TaxonomyNode("suivi-lettre", _l("Suivi d'une lettre de résiliation")),
            ),
        )
    ]


@hookimpl
def register_models():
    from plugins.resiliation.mandates.models import MODELS as MANDATE_MODELS
    from plugins.resiliation.models import Letter, LetterContract

    return [Letter, LetterContract, *MANDATE_MODELS]


@hookimpl
def register_migrations():
    from pathlib import Path

    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def on_signature_outcome(tenant, procedure, outcome):
    """A mandate's e-signature ended: the letter learns it (its mandate is ready, or not)."""
    if procedure.owner != "resiliation":
        return
    from plugins.resiliation.mandates import outcomes

    outcomes.signature_outcome(tenant, procedure, outcome)


@hookimpl
def on_sending_state_changed(tenant, sending, state):
    """A letter's sending reached a state: the letter, the subscriber and the profile follow."""
    if sending.owner != "resiliation":
        return
    from plugins.resiliation import events

    events.sending_state_changed(tenant, sending, state)


@hookimpl
def register_jobs():
    from plugins.resiliation import events, retention, sending

    return [*sending.JOBS, *events.JOBS, *retention.JOBS]


@hookimpl
def register_periodic_jobs():
    from plugins.resiliation import retention, sending

    return [*sending.PERIODIC_JOBS, *retention.PERIODIC_JOBS]


@hookimpl
def dashboard_widgets(tenant, account, profile):
    from plugins.resiliation import dashboard

    return dashboard.widgets(tenant, account, profile)


@hookimpl
def backoffice_pages():
    from plugins.resiliation import backoffice

    return backoffice.PAGES


@hookimpl
def backoffice_menu_items():
    from plugins.resiliation import backoffice

    return backoffice.MENU_ITEMS
