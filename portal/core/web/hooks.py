"""Hook implementations of the core web module (always on)."""

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Accueil"), endpoint="core.home", order=0)]
