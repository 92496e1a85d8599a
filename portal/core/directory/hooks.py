"""The directory's hooks: the agents' search endpoint (blueprint ``directory``) and the
operators' « Annuaire » pages."""

from __future__ import annotations

from pathlib import Path

from portal.core.directory.backoffice import (  # noqa: F401 - hook implementations
    backoffice_menu_items,
    backoffice_pages,
)
from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_blueprints(app):
    """The live search; the back-office templates join the app's own folders (a core module's
    folders are the app's: the ``template_folders`` hook is for plugins)."""
    from portal.core.directory.blueprint import blueprint

    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)
    return [blueprint]
