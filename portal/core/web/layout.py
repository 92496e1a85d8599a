"""What every page's layout needs: the tenant, its menu, footer and language links."""

from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_babel import get_locale

from portal.core.plugins import current_plugins


def main_menu() -> list[dict]:
    tenant = g.get("tenant")
    if tenant is None:
        return []
    items = sorted(
        current_plugins().collect("main_menu_items", tenant=tenant), key=lambda i: i.order
    )
    current = request.endpoint or ""
    return [
        {
            "label": item.label,
            "url": url_for(item.endpoint, **item.values),
            "active": current == item.endpoint
            or (
                item.endpoint.split(".")[0] == current.split(".")[0]
                and item.endpoint != "core.home"
            ),
        }
        for item in items
    ]


def language_links() -> list[dict]:
    tenant = g.get("tenant")
    if tenant is None or len(tenant.config.locales) < 2:
        return []
    current = str(get_locale())
    args = dict(request.view_args or {})
    return [
        {
            "code": code,
            "url": url_for(request.endpoint, **args, lang=code),
            "current": code == current,
        }
        for code in tenant.config.locales
        if request.endpoint
    ]


def register_layout_context(app: Flask) -> None:
    @app.context_processor
    def layout_context():
        return {
            "tenant": g.get("tenant"),
            "main_menu": main_menu,
            "language_links": language_links,
            "current_locale": lambda: str(get_locale()),
        }
