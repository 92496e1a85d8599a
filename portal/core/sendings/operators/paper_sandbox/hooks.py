"""Hook implementations of the postal printer sandbox and the Maileva adapter (always on):
importing this module registers both operators."""

from __future__ import annotations

from pathlib import Path

import portal.core.sendings.operators.maileva  # noqa: F401 - registers ("paper", "maileva")
import portal.core.sendings.operators.paper_sandbox  # noqa: F401 - registers ("paper", "sandbox")
from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_models():
    from portal.core.sendings.operators.paper_sandbox.models import MODELS

    return MODELS


@hookimpl
def register_jobs():
    from portal.core.sendings.operators.paper_sandbox.jobs import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.sendings.operators.paper_sandbox.jobs import PERIODIC_JOBS

    return PERIODIC_JOBS


@hookimpl
def register_blueprints(app):
    """The printer's tracking page, with the sandbox only; its templates (page, proofs) join
    the app's folders (a core module's are the app's own: ``template_folders`` is for plugins)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)
    if (app.config.get("PORTAL_PAPER_OPERATOR") or "sandbox") != "sandbox":
        return []
    from portal.core.sendings.operators.paper_sandbox.blueprint import blueprint

    return [blueprint]
