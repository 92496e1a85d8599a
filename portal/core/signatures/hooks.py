"""Hook implementations of the e-signature module (always on)."""

from __future__ import annotations

from pathlib import Path

from portal.core.plugins import hookimpl

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_models():
    from portal.core.signatures.models import MODELS

    return MODELS


@hookimpl
def register_blueprints(app):
    """The signer's pages (no login) and the agent's list of procedures."""
    from portal.core.signatures.blueprint import agent_blueprint, signer_blueprint

    return [signer_blueprint, agent_blueprint]


@hookimpl
def account_menu_items(tenant, account, profile):
    """« Signatures électroniques » in « Mon compte », for professional accounts."""
    from portal.core.signatures.agent_views import menu_items

    return menu_items(tenant, account, profile)


@hookimpl
def register_jobs():
    from portal.core.signatures.jobs import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.signatures.jobs import PERIODIC_JOBS

    return PERIODIC_JOBS


@hookimpl
def priced_items(tenant):
    from portal.core.signatures import charges

    return charges.priced_items(tenant)


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
