"""Background work of payments: the bank's server-to-server notification, and reconciliation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.extensions import db


@job()
def notify_merchant(tenant_id: int, fields: dict) -> None:
    """The sandbox bank's server-to-server notification, delivered as the portal's endpoint
    handles it: signature checked, then settled (an in-process call instead of HTTP, because
    the workers cannot be sure to reach the web server)."""
    from portal.core.credits.payments.operations import handle_notification

    handle_notification(fields)


@job(global_job=True)
def reconcile_payments(tenant_id: int | None = None) -> int:
    """Payments left open over 10 minutes: ask the bank and settle them, tenant by tenant;
    issue the receipts a failure left out."""
    from portal.core.credits.models import Payment, PaymentStatus
    from portal.core.credits.payments.operations import OPEN, reconcile_tenant_payments
    from portal.core.tenants import tenant_scope
    from portal.core.tenants.scoping import unscoped

    with unscoped():
        # Open payments, and credited ones whose receipt failed (rare: any tenant with payments).
        tenant_ids = db.session.scalars(
            select(Payment.tenant_id)
            .where(Payment.status.in_([*OPEN, PaymentStatus.SUCCEEDED]))
            .distinct()
        ).all()
    settled = 0
    for tenant_id in tenant_ids:
        with tenant_scope(tenant_id):
            settled += reconcile_tenant_payments()  # the worker commits
    return settled


JOBS = [notify_merchant]
PERIODIC_JOBS = [PeriodicJob(job=reconcile_payments, every=timedelta(minutes=5))]
