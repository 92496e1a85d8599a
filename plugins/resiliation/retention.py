"""Trash and retention of letters (SPEC §4 « Trash », §9): a letter in the trash is deleted for
good ``[retention] trash_days`` (60) after it was put there; a letter never validated (a draft)
and the wizard's drafts of letters are deleted ``[retention] drafts_days`` (730) after their last
change. Each purge is a daily job over every tenant, safe to run twice (what is gone is not found
again), and leaves one audit entry per tenant naming the letters it deleted.

A purged letter takes its contracts and its mandate (row and stored files) with it; its
sendings and their proofs are the core's (kept by the evidence retention, « preuves 7 ans »).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from plugins.resiliation.models import Letter, LetterState
from portal.core import audit, clock
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

WIZARD_KIND = "resiliation.letter"
BATCH = 500


def _delete_letters(letters: list[Letter]) -> None:
    """Delete ``letters`` with their contracts and their mandates (row and files)."""
    from plugins.resiliation.mandates.models import LetterMandate
    from portal.core.storage import storage

    ids = [letter.id for letter in letters]
    mandates = db.session.scalars(
        select(LetterMandate).where(LetterMandate.letter_id.in_(ids))
    ).all()
    for mandate in mandates:
        for key in (mandate.own_key, mandate.scan_key):
            if key:
                storage().delete(key)
        db.session.delete(mandate)
    for letter in letters:
        db.session.delete(letter)
    db.session.flush()


def purge_trash_of(tenant) -> list[str]:
    """Delete the tenant's letters in the trash for more than its ``trash_days``; their numbers."""
    cutoff = clock.now() - timedelta(days=tenant.config.retention.trash_days)
    purged: list[str] = []
    with tenant_scope(tenant.id):
        while True:
            letters = list(
                db.session.scalars(
                    select(Letter)
                    .where(Letter.trashed_at.is_not(None), Letter.trashed_at < cutoff)
                    .order_by(Letter.id)
                    .limit(BATCH)
                )
            )
            if not letters:
                break
            purged += [letter.reference for letter in letters]
            _delete_letters(letters)
        if purged:
            audit.record(
                "resiliation.trash_purged",
                **audit.by_system("resiliation retention", tenant.id),
                days=tenant.config.retention.trash_days,
                count=len(purged),
                letters=purged,
            )
    return purged


def purge_drafts_of(tenant) -> tuple[list[str], int]:
    """Delete the tenant's letters never validated and the wizard's drafts of letters, left
    untouched longer than its ``drafts_days``; the letters' numbers and the drafts' count."""
    from portal.core.drafts.models import Draft

    cutoff = clock.now() - timedelta(days=tenant.config.retention.drafts_days)
    purged: list[str] = []
    with tenant_scope(tenant.id):
        while True:
            letters = list(
                db.session.scalars(
                    select(Letter)
                    .where(
                        Letter.state == LetterState.DRAFT,
                        Letter.validated_at.is_(None),
                        Letter.sending_id.is_(None),
                        Letter.updated_at < cutoff,
                    )
                    .order_by(Letter.id)
                    .limit(BATCH)
                )
            )
            if not letters:
                break
            purged += [letter.reference for letter in letters]
            _delete_letters(letters)
        drafts = db.session.execute(
            delete(Draft).where(
                Draft.tenant_id == tenant.id, Draft.kind == WIZARD_KIND, Draft.updated_at < cutoff
            )
        ).rowcount
        if purged or drafts:
            audit.record(
                "resiliation.drafts_purged",
                **audit.by_system("resiliation retention", tenant.id),
                days=tenant.config.retention.drafts_days,
                count=len(purged),
                letters=purged,
                wizard_drafts=drafts or None,
            )
    return purged, drafts or 0


@job(global_job=True)
def purge_trashed_letters(tenant_id=None) -> None:
    """Every tenant's letters kept in the trash past their ``trash_days``."""
    for tenant in tenant_directory().enabling("resiliation"):
        purge_trash_of(tenant)


@job(global_job=True)
def purge_draft_letters(tenant_id=None) -> None:
    """Every tenant's letters and wizard drafts never validated past their ``drafts_days``."""
    for tenant in tenant_directory().enabling("resiliation"):
        purge_drafts_of(tenant)


JOBS = [purge_trashed_letters, purge_draft_letters]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
PERIODIC_JOBS = [
    PeriodicJob(job=purge_trashed_letters, cron="20 4 * * *"),
    PeriodicJob(job=purge_draft_letters, cron="25 4 * * *"),
]
