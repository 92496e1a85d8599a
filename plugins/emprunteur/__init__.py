"""Plugin ``emprunteur``: borrower-insurance substitution letters to banks."""

from plugins.emprunteur.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="emprunteur",
    title=N_("Assurance emprunteur"),
    version="0.1.0",
    description=N_("Lettres de substitution d'assurance emprunteur adressées aux banques."),
    sends_letters=True,
)


@hookimpl
def register_blueprints(app):
    from plugins.emprunteur.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.emprunteur.settings import EmprunteurSettings

    return EmprunteurSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Assurance emprunteur"), endpoint="emprunteur.home", order=30)]
