"""Request handlers of the core web module."""

from __future__ import annotations

from flask import Response, abort, render_template, send_from_directory

from portal.core.plugins import current_plugins
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def home():
    tenant = current_tenant()
    widgets = sorted(
        current_plugins().collect("dashboard_widgets", tenant=tenant), key=lambda w: w.order
    )
    return render_template("core/home.html", widgets=widgets)


@handler(Access.ANONYMOUS)
def brand_css():
    """The tenant's brand as CSS variables; cached by the browser until the config changes."""
    brand = current_tenant().config.brand
    css = render_template("core/brand.css", brand=brand)
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@handler(Access.ANONYMOUS)
def theme_file(filename: str):
    static_dir = current_tenant().theme_dir / "static"
    if not static_dir.is_dir():
        abort(404)
    return send_from_directory(static_dir, filename, max_age=86400)


@handler(Access.ANONYMOUS)
def favicon():
    tenant = current_tenant()
    return send_from_directory(
        tenant.theme_dir / "static", tenant.config.brand.favicon, max_age=86400
    )
