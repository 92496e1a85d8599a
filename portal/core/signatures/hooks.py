"""Hook implementations of the e-signature module (always on)."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


def _part(name: str) -> ModuleType | None:
    """``portal.core.signatures.<name>``, or None while that part of the module is not written
    yet (pages, jobs, charges come in separately); any other import error is raised."""
    module = f"portal.core.signatures.{name}"
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


@hookimpl
def register_models():
    from portal.core.signatures.models import MODELS

    return MODELS


@hookimpl
def register_blueprints(app):
    # The signer's pages (no login) and the agent's list of procedures.
    blueprint = _part("blueprint")
    return [] if blueprint is None else [blueprint.signer_blueprint, blueprint.agent_blueprint]


@hookimpl
def register_jobs():
    jobs = _part("jobs")
    return [] if jobs is None else jobs.JOBS


@hookimpl
def register_periodic_jobs():
    jobs = _part("jobs")
    return [] if jobs is None else jobs.PERIODIC_JOBS


@hookimpl
def priced_items(tenant):
    charges = _part("charges")
    return [] if charges is None else charges.priced_items(tenant)


@hookimpl
def on_account_purged(tenant, account):
    """The account's procedures, their signers' data and working files go (the proofs archived
    in the evidence chain stay for their retention); safe twice."""
    if getattr(account, "id", None) is None:
        return
    from portal.core.signatures.operations import purge_account_procedures

    purge_account_procedures(account)


@hookimpl
def template_folders():
    return [TEMPLATES]
