"""Hook implementations of the development mailbox (always on, shown only when it is)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def main_menu_items(tenant):
    if not current_app.extensions.get("portal.devbox"):
        return None
    return [NavItem(label=_l("Boîte mail de développement"), endpoint="devbox.mailbox", order=900)]
