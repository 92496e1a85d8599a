"""Plugin ``paper_mail``: documents printed, enveloped and posted."""

from plugins.paper_mail.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, PricedItem, hookimpl

plugin_info = PluginInfo(
    name="paper_mail",
    title=N_("Courrier papier"),
    version="0.1.0",
    description=N_("Documents imprimés, mis sous pli et remis à La Poste."),
    sends_letters=True,
)


@hookimpl
def register_blueprints(app):
    from plugins.paper_mail.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.paper_mail.settings import PaperMailSettings

    return PaperMailSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Courrier papier"), endpoint="paper_mail.home", order=20)]


@hookimpl
def priced_items(tenant):
    """Default prices in cents, VAT included; a tenant overrides them in ``[prices]``."""
    return [
        PricedItem("paper_mail.lettre_verte_1", _l("Lettre verte, 1 feuille"), 114),
        PricedItem("paper_mail.typed_address", _l("Saisie de l'adresse du destinataire"), 16),
        # « utiliser l'adresse du premier document » (manual §8): a discount line of −0,10 €.
        PricedItem(
            "paper_mail.first_document_address",
            _l("Adresse reprise du premier document"),
            -10,
            discount=True,
        ),
    ]
