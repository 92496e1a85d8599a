"""Buying credit through a payment provider (``PORTAL_PAYMENT``, default the sandbox bank).

Pages: ``credits.buy`` (``/compte/credits``), ``credits.payment_return``, the provider's
``credits.payment_notification`` (signed, CSRF-exempt) and the sandbox bank's
``sandbox_bank.*`` pages. Jobs: ``JOBS`` and ``PERIODIC_JOBS`` (reconciliation every 5 minutes).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.credits.payments.jobs import JOBS, PERIODIC_JOBS
from portal.core.credits.payments.provider import (
    BadSignature,
    Outcome,
    PaymentProvider,
    get_provider,
    register_provider,
)
from portal.core.credits.payments.sandbox import SandboxProvider, SandboxTransaction

__all__ = [
    "JOBS",
    "PERIODIC_JOBS",
    "BadSignature",
    "Outcome",
    "PaymentProvider",
    "SandboxTransaction",
    "get_provider",
    "init_app",
    "register_provider",
]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def init_app(app: Flask) -> None:
    from portal.core.credits.payments import bank_views, views
    from portal.extensions import csrf

    if TEMPLATES not in [Path(folder).resolve() for folder in app.template_folders]:
        app.template_folders.append(TEMPLATES)
    if app.config["PORTAL_PAYMENT"] == "sandbox":  # refused in production mode
        register_provider(app, SandboxProvider())
        app.register_blueprint(bank_views.blueprint)
    # App-level rules with "credits." endpoints: the billing pages may own a "credits" blueprint.
    rule = app.add_url_rule
    rule("/compte/credits", "credits.buy", views.buy, methods=["GET", "POST"])
    rule("/compte/credits/retour", "credits.payment_return", views.payment_return)
    rule(
        "/compte/credits/notification",
        "credits.payment_notification",
        csrf.exempt(views.payment_notification),
        methods=["POST"],
    )
