"""Plugin ``secure_messaging``: the member-facing secure messaging and document deposit."""

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="secure_messaging",
    title="Ma messagerie",
    version="0.1.0",
    description="Messagerie sécurisée des adhérents : thème, sujet, motif et dépôt de documents.",
)


@hookimpl
def register_blueprints(app):
    from plugins.secure_messaging.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.secure_messaging.settings import SecureMessagingSettings

    return SecureMessagingSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Ma messagerie"), endpoint="secure_messaging.home", order=10)]
