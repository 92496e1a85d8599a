"""Hook implementations of the accounts module (always on)."""

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def main_menu_items(tenant):
    from portal.core.accounts.session import current_account

    if current_account() is None:
        return [NavItem(label=_l("Connexion"), endpoint="auth.login", order=990)]
    return [NavItem(label=_l("Mon compte"), endpoint="account.overview", order=980)]
