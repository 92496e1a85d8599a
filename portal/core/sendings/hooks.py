"""Hook implementations of the sendings module (always on)."""

from __future__ import annotations

from pathlib import Path

from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_models():
    from portal.core.sendings.models import MODELS

    return MODELS


@hookimpl
def register_blueprints(app):
    """The operators' callback route."""
    from portal.core.sendings.blueprint import blueprint

    return [blueprint]


@hookimpl
def register_jobs():
    from portal.core.sendings.jobs import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.sendings.jobs import PERIODIC_JOBS

    return PERIODIC_JOBS


@hookimpl
def template_folders():
    return [TEMPLATES]
