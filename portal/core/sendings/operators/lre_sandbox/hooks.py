"""Hook implementations of the sandbox LRE operator and the AR24 adapter (always on: importing
this module registers both operators; the recipient's pages exist with the sandbox only)."""

from __future__ import annotations

from pathlib import Path

import portal.core.sendings.operators.ar24  # noqa: F401 - registers ("lre", "ar24")
import portal.core.sendings.operators.lre_sandbox  # noqa: F401 - registers ("lre", "sandbox")
from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_models():
    from portal.core.sendings.operators.lre_sandbox.models import MODELS

    return MODELS


@hookimpl
def register_blueprints(app):
    """The recipient's pages, with the sandbox only; its templates (pages, emails, proofs): a
    core module's folders are the app's own (the ``template_folders`` hook is for plugins)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)
    if (app.config.get("PORTAL_LRE_OPERATOR") or "sandbox") != "sandbox":
        return []
    from portal.core.sendings.operators.lre_sandbox.blueprint import blueprint

    return [blueprint]


@hookimpl
def register_jobs():
    from portal.core.sendings.operators.lre_sandbox.jobs import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.sendings.operators.lre_sandbox.jobs import PERIODIC_JOBS

    return PERIODIC_JOBS
