"""Retention of paper mail (issue 17 §6, SPEC §5 and §9): the **contents** of a mail that left —
its uploaded files, the PDFs they were converted to and its sending's printed PDFs — are deleted
``[retention] paper_contents_days`` (14) after its hand-over day (a cancelled one's after its
cancellation); the mail's row stays in the list with ``contents_purged_at`` set, and its
sending's proofs stay for their own retention (``proofs_days``). A draft left untouched for
``[retention] drafts_days`` (730) is deleted with its files.

Each purge is a daily job over every tenant, safe to run twice (what is purged is not found
again), and leaves one audit entry per tenant naming the mails it touched.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select

from plugins.paper_mail.models import MailState, PaperDocument, PaperMail
from plugins.paper_mail.rules import PARIS
from portal.core import audit, clock, sendings
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

BATCH = 200
LEFT = (MailState.TRANSMITTED, MailState.POSTED, MailState.FAILED)


def _document_keys(documents) -> set[str]:
    return {key for d in documents for key in (d.original_key, d.pdf_key) if key}


def _delete_files(keys: set[str]) -> None:
    """After the rows are flushed: a failed flush leaves the files in place, and a missing file
    (a run rolled back after its deletions) is no error."""
    from portal.core.storage import storage

    store = storage()
    for key in sorted(keys):
        store.delete(key)


def _purge_contents(mail: PaperMail) -> bool:
    """The contents of ``mail`` deleted, its row marked; False when its sending still needs
    them (the printer has not fetched it)."""
    if mail.sending is not None and not sendings.has_left(mail.sending):
        return False
    keys = _document_keys(mail.documents)
    for document in mail.documents:
        document.original_key = None
        document.pdf_key = None
    if mail.sending is not None:
        sendings.purge_contents(mail.sending)
    mail.contents_purged_at = clock.now()
    db.session.flush()
    _delete_files(keys)
    return True


def purge_contents_of(tenant) -> list[str]:
    """Delete the contents of the tenant's mails that left more than its
    ``paper_contents_days`` ago (hand-over day, Paris), or were cancelled that long ago; their
    references."""
    days = tenant.config.retention.paper_contents_days
    now = clock.now()
    last_day = now.astimezone(PARIS).date() - timedelta(days=days)
    due = or_(
        and_(PaperMail.state.in_(LEFT), PaperMail.handover_on <= last_day),
        and_(
            PaperMail.state == MailState.CANCELLED,
            PaperMail.cancelled_at < now - timedelta(days=days),
        ),
    )
    purged: list[str] = []
    with tenant_scope(tenant.id):
        after = 0
        while True:
            mails = list(
                db.session.scalars(
                    select(PaperMail)
                    .where(due, PaperMail.contents_purged_at.is_(None), PaperMail.id > after)
                    .order_by(PaperMail.id)
                    .limit(BATCH)
                )
            )
            if not mails:
                break
            after = mails[-1].id  # a mail kept (not fetched yet) is not selected again
            purged += [mail.reference for mail in mails if _purge_contents(mail)]
        if purged:
            audit.record(
                "paper_mail.contents_purged",
                **audit.by_system("paper_mail retention", tenant.id),
                days=days,
                count=len(purged),
                mails=purged,
            )
    return purged


def purge_drafts_of(tenant) -> list[str]:
    """Delete the tenant's drafts (never validated) whose mail and documents were last changed
    more than its ``drafts_days`` ago, with their files; their references."""
    days = tenant.config.retention.drafts_days
    cutoff = clock.now() - timedelta(days=days)
    recent_document = exists().where(
        PaperDocument.mail_id == PaperMail.id, PaperDocument.created_at >= cutoff
    )
    purged: list[str] = []
    with tenant_scope(tenant.id):
        while True:
            mails = list(
                db.session.scalars(
                    select(PaperMail)
                    .where(
                        PaperMail.state == MailState.DRAFT,
                        PaperMail.validated_at.is_(None),
                        PaperMail.sending_id.is_(None),
                        PaperMail.updated_at < cutoff,
                        ~recent_document,
                    )
                    .order_by(PaperMail.id)
                    .limit(BATCH)
                )
            )
            if not mails:
                break
            purged += [mail.reference for mail in mails]
            keys = _document_keys(d for mail in mails for d in mail.documents)
            for mail in mails:
                db.session.delete(mail)
            db.session.flush()
            _delete_files(keys)
        if purged:
            audit.record(
                "paper_mail.drafts_purged",
                **audit.by_system("paper_mail retention", tenant.id),
                days=days,
                count=len(purged),
                mails=purged,
            )
    return purged


@job(global_job=True)
def purge_paper_mail_contents(tenant_id=None) -> None:
    """Every tenant's mails that left past their ``paper_contents_days``: contents deleted."""
    for tenant in tenant_directory().enabling("paper_mail"):
        purge_contents_of(tenant)


@job(global_job=True)
def purge_paper_mail_drafts(tenant_id=None) -> None:
    """Every tenant's draft mails untouched past their ``drafts_days``: deleted."""
    for tenant in tenant_directory().enabling("paper_mail"):
        purge_drafts_of(tenant)


JOBS = [purge_paper_mail_contents, purge_paper_mail_drafts]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
PERIODIC_JOBS = [
    PeriodicJob(job=purge_paper_mail_contents, cron="35 4 * * *"),
    PeriodicJob(job=purge_paper_mail_drafts, cron="40 4 * * *"),
]
