"""Drafts: a half-filled wizard kept on the server, so it is never lost — whichever web process
answers the next step, however long the text, even after logging out and back in.

A draft belongs to an account and has a ``kind`` named after its owner (``"<plugin>.<wizard>"``);
its ``data`` is any JSON object. It is kept ``[retention] drafts_days`` after its last change
(SPEC §9: two years by default), then purged by a daily job::

    from portal.core import drafts

    data = drafts.load(account.id, "secure_messaging.message") or {}
    drafts.save(account.id, "secure_messaging.message", data)   # in the caller's transaction
    drafts.discard(account.id, "secure_messaging.message")
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.core.clock import now
from portal.core.drafts.models import Draft
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import Tenant, tenant_directory, tenant_scope, unscoped
from portal.extensions import db

__all__ = ["JOBS", "PERIODIC_JOBS", "Draft", "discard", "load", "purge_expired_drafts", "save"]


def _find(account_id: int, kind: str) -> Draft | None:
    return db.session.scalar(
        select(Draft).where(Draft.account_id == account_id, Draft.kind == kind)
    )


def load(account_id: int, kind: str) -> dict | None:
    """The account's draft of ``kind`` (a copy: change it, then :func:`save`), or None."""
    draft = _find(account_id, kind)
    return dict(draft.data) if draft is not None else None


def save(account_id: int, kind: str, data: dict) -> None:
    """Keep ``data`` as the account's draft of ``kind`` (the caller commits)."""
    moment = now()
    draft = _find(account_id, kind)
    if draft is not None:
        draft.data, draft.updated_at = dict(data), moment
        return
    try:
        with db.session.begin_nested():  # another tab may create it at the same moment
            db.session.add(
                Draft(account_id=account_id, kind=kind, data=dict(data), updated_at=moment)
            )
    except IntegrityError:
        draft = _find(account_id, kind)
        draft.data, draft.updated_at = dict(data), moment


def discard(account_id: int, kind: str) -> None:
    db.session.execute(delete(Draft).where(Draft.account_id == account_id, Draft.kind == kind))


@job(global_job=True)
def purge_expired_drafts(tenant_id=None) -> None:
    """Delete the drafts left untouched longer than each tenant's ``drafts_days``."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for each in tenant_ids:
        tenant = tenant_directory().get(each)
        if tenant is None:
            continue
        cutoff = now() - timedelta(days=tenant.config.retention.drafts_days)
        with tenant_scope(each):
            db.session.execute(
                delete(Draft).where(Draft.tenant_id == each, Draft.updated_at < cutoff)
            )


JOBS = [purge_expired_drafts]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
PERIODIC_JOBS = [PeriodicJob(job=purge_expired_drafts, cron="45 4 * * *")]
