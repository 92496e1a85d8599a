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
    """No pages of its own; its proof templates join the app's folders (a core module's
    folders are the app's own: the ``template_folders`` hook is for plugins)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)
    return []
