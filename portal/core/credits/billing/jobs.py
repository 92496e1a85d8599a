"""The monthly run: each tenant's invoices for the previous month, on the 1st at 06:00."""

from __future__ import annotations

from sqlalchemy import select

from portal.core import clock
from portal.core.credits.billing.documents import issue_monthly_invoices
from portal.core.jobs import job
from portal.core.tenants import Tenant, tenant_directory, unscoped
from portal.extensions import db


def previous_month(today) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


@job(global_job=True)
def issue_previous_month_invoices(
    tenant_id=None, year: int | None = None, month: int | None = None
):
    """Fan out over tenants; each tenant's month follows its own time zone."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for each in tenant_ids:
        tenant = tenant_directory().get(each)
        if tenant is None:
            continue
        if year is None or month is None:
            today = clock.today(tenant)
            run_year, run_month = previous_month(today)
        else:
            run_year, run_month = year, month
        issue_monthly_invoices(each, run_year, run_month)
