"""Plugin ``subscription``: quote to online subscription with e-signature."""

from plugins.subscription.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="subscription",
    title=N_("Souscription en ligne"),
    version="0.1.0",
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
def main_menu_items(tenant):
    return [NavItem(label=_l("Souscription en ligne"), endpoint="subscription.home", order=10)]
