"""Receipts, monthly invoices, the holder's billing page and the operators' credit pages
(:mod:`.backoffice`, through the back-office hooks). The credits hooks register ``JOBS`` and
``PERIODIC_JOBS``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.credits.billing.amounts import rate_label
from portal.core.credits.billing.documents import issue_monthly_invoices, issue_receipt
from portal.core.credits.billing.jobs import issue_previous_month_invoices
from portal.core.credits.ledger import whole_euros
from portal.core.plugins.types import PeriodicJob

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

__all__ = ["JOBS", "PERIODIC_JOBS", "init_app", "issue_monthly_invoices", "issue_receipt"]

JOBS = [issue_previous_month_invoices]
# 06:00 on the 1st: outside the 02:00–03:00 clock-change hour.
PERIODIC_JOBS = [PeriodicJob(job=issue_previous_month_invoices, cron="0 6 1 * *")]


def init_app(app: Flask) -> None:
    from portal.core.credits.billing import views

    if TEMPLATES not in [Path(folder).resolve() for folder in app.template_folders]:
        app.template_folders.append(TEMPLATES)
    # Endpoints ``credits.*`` straight on the app: the purchase pages may register a blueprint
    # named "credits" of their own, and two blueprints cannot share a name.
    app.add_url_rule("/compte/facturation", "credits.billing", views.billing)
    app.add_url_rule(
        "/compte/facturation/documents/<int:document_id>.pdf",
        "credits.billing_document",
        views.billing_document,
    )
    app.add_template_filter(whole_euros, "whole_euros")
    app.add_template_filter(rate_label, "billing_rate")
