"""The operator back office, on its own host (``PORTAL_BACKOFFICE_HOST``).

Staff log in with a password and a TOTP code; every sensitive action is written to the audit log.
Core modules and plugins add pages and menu entries through the ``backoffice_pages`` and
``backoffice_menu_items`` hooks (:mod:`portal.core.backoffice.registry`): a plugin's pages run in
the tenant the operator picked.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, url_for

from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.backoffice.registry import (
    BackofficeMenuItem,
    BackofficePage,
    current_backoffice,
    picked_tenant,
)
from portal.core.backoffice.session import current_staff

__all__ = [
    "BackofficeMenuItem",
    "BackofficePage",
    "StaffRole",
    "StaffUser",
    "current_staff",
    "init_app",
    "picked_tenant",
]

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """Build the application's back office from every module's and plugin's pages."""
    from portal.core.backoffice import labels, registry

    app.template_folders.append(TEMPLATES)
    app.jinja_env.globals.update(labels.template_globals())
    registry.build(app, app.extensions["portal.plugins"])
    app.context_processor(_layout_context)


def _layout_context() -> dict:
    """The menu the staff member may open; on a plugin's page, the tenant picked for it."""
    if not g.get("backoffice"):
        return {}
    staff = current_staff()
    backoffice = current_backoffice()
    endpoint = request.endpoint or ""
    on_plugin_page = endpoint in backoffice.page_owners
    return {
        "staff": staff,
        "backoffice_menu": [entry for entry in backoffice.menu if entry.shown_to(staff)],
        "backoffice_tenant": g.get("backoffice_tenant") if on_plugin_page else None,
        "backoffice_tenant_choice": (
            url_for("backoffice.pick_tenant", page=endpoint)
            if backoffice.plugin_entry(endpoint)
            else None
        ),
    }
