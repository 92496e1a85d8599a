"""What every page's layout needs: the tenant, its menu, footer and language links."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, g, request, url_for
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


def header_credit() -> str | None:
    """The logged-in account's credit, formatted, for the top right of every page — where the
    tenant's accounts have credit (JRMC FAQ: « rappelé en haut à droite de votre écran »)."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.core.accounts.kinds import account_area
    from portal.core.accounts.session import current_account
    from portal.core.credits.ledger import balance_cents, euros

    tenant = g.get("tenant")
    if tenant is None or not account_area(tenant).credit:
        return None
    try:
        account = current_account()
        return None if account is None else euros(balance_cents(account.id))
    except SQLAlchemyError:  # an error page after a database failure: no badge, no new error
        return None


def _may_open(endpoint: str) -> bool:
    """In templates: whether the logged-in profile may open ``endpoint`` (links only to it)."""
    from portal.core.accounts.session import current_profile
    from portal.core.web.pipeline import may_open

    return may_open(endpoint, current_profile())


def language_links() -> list[dict]:
    """The current page in each of the tenant's languages (error pages included)."""
    tenant = g.get("tenant")
    if tenant is None or len(tenant.config.locales) < 2:
        return []
    current = str(get_locale())
    args = request.args.to_dict()
    return [
        {
            "code": code,
            "url": f"{request.path}?{urlencode({**args, 'lang': code})}",
            "current": code == current,
        }
        for code in tenant.config.locales
    ]


def localized(text) -> str:
    """A tenant text given once (``"…"``) or per language (``{fr = "…", en = "…"}``)."""
    if isinstance(text, str):
        return text
    tenant = g.get("tenant")
    default = tenant.config.default_locale if tenant else "fr"
    return text.get(str(get_locale())) or text.get(default) or next(iter(text.values()), "")


def register_layout_context(app: Flask) -> None:
    app.add_template_filter(localized, "localized")
    app.add_template_global(_may_open, "may_open")

    @app.context_processor
    def layout_context():
        return {
            "tenant": g.get("tenant"),
            "main_menu": main_menu,
            "language_links": language_links,
            "current_locale": lambda: str(get_locale()),
            "demo_mode": current_app.config["PORTAL_MODE"] == "demo",
            "devbox_on": bool(current_app.extensions.get("portal.devbox")),
            "header_credit": header_credit,
        }
