"""The way into a plugin's back-office pages: the operator picks the tenant they work on."""

from __future__ import annotations

from flask import abort, render_template, request

from portal.core.backoffice import queries
from portal.core.backoffice.registry import current_backoffice
from portal.core.backoffice.session import current_staff
from portal.core.web.pipeline import Access, handler


@handler(Access.STAFF)
def pick_tenant():
    """The tenants that enable the plugin of the menu entry ``?page=``, each a link to the page."""
    entry = current_backoffice().plugin_entry(request.args.get("page", ""))
    if entry is None:
        abort(404)
    if not entry.shown_to(current_staff()):
        abort(403)
    tenants = [t for t in queries.all_tenants() if entry.plugin in t.enabled_plugins]
    return render_template("backoffice/pick_tenant.html", entry=entry, tenants=tenants)
