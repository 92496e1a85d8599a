"""Plugin ``subscription``: products and tariffs as data, the quote wizard and its versions, the
agent's agenda and portfolio, online subscription with e-signature from the client's link, the
client space and its supporting documents, the back office's « adhésion créée »."""

from plugins.subscription.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="subscription",
    title=N_("Souscription en ligne"),
    version="0.2.0",
    description=N_("Du devis à la souscription en ligne avec signature électronique."),
)


@hookimpl
def register_blueprints(app):
    from plugins.subscription.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.subscription.settings import SubscriptionSettings

    return SubscriptionSettings


@hookimpl
def register_models():
    from plugins.subscription.models import MODELS

    return MODELS


@hookimpl
def register_migrations():
    from pathlib import Path

    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Souscription en ligne"), endpoint="subscription.home", order=10)]


@hookimpl
def register_jobs():
    from plugins.subscription import client_access, membership, premiums, quote_mail, supporting

    return [
        *quote_mail.JOBS,
        *membership.JOBS,
        *client_access.JOBS,
        *supporting.JOBS,
        *premiums.JOBS,
    ]


@hookimpl
def register_periodic_jobs():
    from plugins.subscription import premiums, quote_mail

    return [*quote_mail.PERIODIC_JOBS, *premiums.PERIODIC_JOBS]


@hookimpl
def on_signature_outcome(tenant, procedure, outcome):
    """The client's e-signature of a membership request ended: signed, refused, expired."""
    if procedure.owner != "subscription":
        return
    from plugins.subscription import membership

    membership.signature_outcome(tenant, procedure, outcome)


@hookimpl
def backoffice_pages():
    from plugins.subscription import backoffice

    return backoffice.pages()


@hookimpl
def backoffice_menu_items():
    from plugins.subscription import backoffice

    return backoffice.menu_items()
