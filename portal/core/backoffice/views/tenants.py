"""Tenants and their validated settings (read-only: they come from tenants/<slug>/tenant.toml)."""

from __future__ import annotations

from flask import current_app, g, render_template
from sqlalchemy import select

from portal.core.backoffice.labels import SIGNUP_MODE
from portal.core.tenants import Tenant, tenant_directory
from portal.core.web.pipeline import Access, Load, handler
from portal.extensions import db


def _plugin_titles() -> dict[str, str]:
    """Each plugin's title (« Courrier papier »), by its name (``paper_mail``)."""
    from portal.core.plugins import current_plugins

    return {name: info.title for name, info in current_plugins().infos.items()}


def _hosts(tenant) -> list[str]:
    suffix = current_app.config.get("PORTAL_DEV_HOST_SUFFIX")
    return [*tenant.config.hosts, *([f"{tenant.slug}.{suffix}"] if suffix else [])]


@handler(Access.ADMIN)
def tenants():
    rows = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    directory = tenant_directory()
    items = [(row, directory.get(row.id, row.revision)) for row in rows]
    return render_template(
        "backoffice/tenants.html",
        items=[(row, parsed, _hosts(parsed)) for row, parsed in items if parsed is not None],
        signup_modes=SIGNUP_MODE,
        plugin_titles=_plugin_titles(),
    )


@handler(Access.ADMIN, load={"tenant_slug": Load(Tenant, column="slug", name="row")})
def tenant(row: Tenant):
    parsed = g.backoffice_tenant
    config = parsed.config.model_dump(mode="json", exclude={"plugins"})
    plugins = {
        name: (settings.model_dump(mode="json") if settings is not None else {})
        for name, settings in sorted(parsed.plugin_settings.items())
    }
    return render_template(
        "backoffice/tenant.html",
        row=row,
        parsed=parsed,
        hosts=_hosts(parsed),
        config=config,
        plugins=plugins,
        disabled_plugins=sorted(set(parsed.config.plugins) - parsed.enabled_plugins),
        signup_modes=SIGNUP_MODE,
        plugin_titles=_plugin_titles(),
    )
