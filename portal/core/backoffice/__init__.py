"""The operator back office, on its own host (``PORTAL_BACKOFFICE_HOST``).

Staff log in with a password and a TOTP code; every page runs unscoped (across tenants) and
every sensitive action is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.backoffice.blueprint import MENU, blueprint, register_page
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.backoffice.session import current_staff, staff_required

__all__ = [
    "StaffRole",
    "StaffUser",
    "current_staff",
    "init_app",
    "register_page",
    "staff_required",
]

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """Called after every core module had the chance to ``register_page``."""
    from portal.core.backoffice.pages import register_core_pages

    register_core_pages()
    app.template_folders.append(TEMPLATES)
    app.register_blueprint(blueprint)

    @app.context_processor
    def backoffice_context():
        from flask import g

        if not g.get("backoffice"):
            return {}
        return {"staff": current_staff(), "backoffice_menu": MENU}
