"""Plugin ``secure_messaging``: the member-facing secure messaging and document deposit
(« Ma messagerie »). Conversations, the taxonomy and the checks are the core's
(``portal.core.messaging``); the plugin holds the member's pages and the deposit's document types.
"""

from plugins.secure_messaging.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import DashboardWidget, NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="secure_messaging",
    title=N_("Ma messagerie"),
    version="0.2.0",
    description=N_("Écrivez à votre caisse et envoyez-lui vos documents en toute sécurité."),
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


@hookimpl
def messaging_conversations_page(tenant, kind):
    """Messages and deposits are listed on « Ma messagerie »."""
    return "secure_messaging.home" if kind in ("message", "deposit") else None


@hookimpl
def dashboard_widgets(tenant):
    """« Ma messagerie » on the home page, with the replies not read yet."""
    from portal.core.accounts.session import current_account
    from portal.core.messaging.operations import unread_count

    account = current_account()
    return [
        DashboardWidget(
            title=_l("Ma messagerie"),
            template="secure_messaging/widget.html",
            context={"unread": unread_count(account) if account is not None else None},
            order=10,
        )
    ]
