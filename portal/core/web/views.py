"""Request handlers of the core web module."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, send_from_directory, session, url_for

from portal.core.accounts.session import active_profiles, current_account, current_profile
from portal.core.tenants import current_tenant
from portal.core.web import home as home_page
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def home():
    """A visitor gets the product's home; a logged-in account its dashboard (the cards the
    modules and plugins contribute — never computed for a visitor)."""
    tenant = current_tenant()
    account = current_account()
    if account is None:
        return render_template("core/home.html", **home_page.visitor_context(tenant))
    profile = current_profile()
    if profile is None and len(active_profiles(account)) > 1:
        return redirect(url_for("account.choose_profile", next=url_for("core.home")))
    return render_template(
        "core/dashboard.html",
        widgets=home_page.dashboard_widgets(tenant, account, profile),
        account=account,
        profile=profile,
    )


@handler(Access.PROFILE)
def identity_later():
    """« Plus tard » on the eIDAS invitation: hidden until the next login."""
    from portal.core.verification.hooks import IDENTITY_LATER

    session[IDENTITY_LATER] = True
    return redirect(url_for("core.home"))


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
