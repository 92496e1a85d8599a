"""« Demander un accompagnement initial » (JRMC FAQ): operators publish 20–30 minute slots,
by phone or video, per tenant, in the back office; an agent books a free one from « Aide », gets
a confirmation email with a calendar file, and can cancel until the tenant's deadline.

Where it exists: ``[onboarding] enabled = true`` in the tenant's file, for the kinds of account
that get it (professionals and the accounts that pay; never a fund's members).

What other modules use::

    from portal.core.onboarding import offered
    offered(tenant)  # the tenant's accounts may book one

Agent pages live under ``/aide/accompagnement`` (blueprint ``onboarding``); the operators'
pages join the back office through its hooks (:mod:`.backoffice`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["init_app", "offered"]


def init_app(app: Flask) -> None:
    from portal.core.onboarding import models  # noqa: F401 - register the tables
    from portal.core.onboarding.blueprint import blueprint

    app.template_folders.append(TEMPLATES)
    app.register_blueprint(blueprint)


def offered(tenant) -> bool:
    from portal.core.onboarding.operations import offered as _offered

    return _offered(tenant)
