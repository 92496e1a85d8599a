"""Drafts: work in progress kept on the server, so it is never lost — whichever web process
answers the next step, however long the text, even after logging out and back in.

An account may have several drafts of one ``kind`` (named after its owner,
``"<plugin>.<wizard>"``): an agent has many letters in progress at once, each resumable from a
list. A draft's ``data`` is any JSON object; its ``key`` names it in URLs; it remembers the profile
that last changed it. It is kept ``[retention] drafts_days`` after its last change, then purged by
a daily job. Every call runs in the caller's transaction::

    from portal.core import drafts

    draft = drafts.start(account.id, "secure_messaging.message", profile_id=profile.id)
    drafts.find(account.id, "secure_messaging.message", key)
    drafts.save(draft, data, profile_id=profile.id, title="Famille › Allocations")
    drafts.of_kind(account.id, "secure_messaging.message")   # newest first
    drafts.discard(draft)

Wizards build on it: :mod:`portal.core.drafts.wizard`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from portal.core.clock import now
from portal.core.drafts.models import Draft
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import Tenant, tenant_directory, tenant_scope, unscoped
from portal.extensions import db

__all__ = [
    "JOBS",
    "PERIODIC_JOBS",
    "Draft",
    "discard",
    "find",
    "of_kind",
    "purge_expired_drafts",
    "save",
    "start",
]

TITLE_LENGTH = 200


def start(
    account_id: int, kind: str, *, profile_id: int | None, data: dict | None = None, title=""
) -> Draft:
    """A new draft of ``kind`` for the account, with a fresh key."""
    moment = now()
    draft = Draft(
        key=secrets.token_urlsafe(16),
        account_id=account_id,
        profile_id=profile_id,
        kind=kind,
        title=str(title)[:TITLE_LENGTH],
        data=dict(data or {}),
        created_at=moment,
        updated_at=moment,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def find(account_id: int, kind: str, key: str) -> Draft | None:
    """The account's draft of ``kind`` named ``key`` (another account's or kind's: None)."""
    return db.session.scalar(
        select(Draft).where(Draft.key == key, Draft.account_id == account_id, Draft.kind == kind)
    )


def of_kind(account_id: int, kind: str) -> list[Draft]:
    """The account's drafts of ``kind``, the most recently changed first."""
    return list(
        db.session.scalars(
            select(Draft)
            .where(Draft.account_id == account_id, Draft.kind == kind)
            .order_by(Draft.updated_at.desc(), Draft.id.desc())
        )
    )


def save(draft: Draft, data: dict, *, profile_id: int | None, title=None) -> None:
    """Keep ``data`` as the draft's content, changed now by ``profile_id``."""
    draft.data = dict(data)
    draft.profile_id = profile_id
    draft.updated_at = now()
    if title is not None:
        draft.title = str(title)[:TITLE_LENGTH]


def discard(draft: Draft) -> None:
    db.session.delete(draft)
    db.session.flush()


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
