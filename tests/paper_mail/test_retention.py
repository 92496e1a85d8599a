"""Retention of paper mail (issue 17 §6, SPEC §9): the contents of a mail that left — its files
and its sending's printed PDFs — are deleted 14 days after its hand-over day (the tenant's
``paper_contents_days``), its list line and its proofs kept; a cancelled mail's after its
cancellation; a draft untouched for ``drafts_days`` is deleted. Twice is once, audited once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from papermailkit import letter_pdf, make_mail
from sqlalchemy import select, update

from plugins.paper_mail import retention
from plugins.paper_mail.models import MailState, PaperDocument, PaperMail
from plugins.paper_mail.rules import PARIS
from portal.core import clock, sendings
from portal.core.audit import AuditEntry
from portal.core.jobs import drain
from portal.core.sendings.jobs import dispatch_due
from portal.core.sendings.operators.paper_sandbox.jobs import advance_paper_sandbox
from portal.core.storage import storage
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

REAL_NOW = clock.now
RECIPIENT = sendings.Party(
    name="SARL DUPOND", address_lines=("1 RUE DES FLEURS",), postal_code="38000", city="GRENOBLE"
)
SENDER = sendings.Party(
    name="Agence Martin", address_lines=("2 place Bellecour",), postal_code="69002", city="LYON"
)


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-papier-retention@agence.fr")


def at_paris(day, hour=5) -> datetime:
    """The portal's clock on ``day`` at ``hour`` Paris (the purge's run)."""
    return datetime.combine(day, time(hour, 0), tzinfo=PARIS)


def set_clock(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


def run(app, job) -> None:
    with app.app_context():
        job()
        db.session.commit()


def audits(app, account, action) -> list[AuditEntry]:
    with app.app_context(), unscoped():
        return list(
            db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.tenant_id == account.tenant_id
                )
            )
        )


def validate(app, account, mail_id, *, due_at=None) -> None:
    """The mail validated like the sending does it: a paper sending of this plugin about the
    mail, charged (free here), due at ``due_at`` (now by default)."""
    from portal.core.accounts.models import Account

    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        pdf = storage().read(mail.documents[0].pdf_key)
        sending = sendings.create_sending(
            account=db.session.get(Account, account.id),
            profile=None,
            owner="paper_mail",
            channel=sendings.Channel.PAPER,
            title=f"Courrier papier {mail.reference}",
            documents=[sendings.NewDocument("courrier.pdf", pdf)],
            sender=SENDER,
            recipient=RECIPIENT,
            options={"mode": "lettre_verte"},
            price_lines=[],
            subject=mail,
        )
        sendings.validate_sending(sending, due_at=due_at)
        mail.sending_id = sending.id
        mail.validated_at = clock.now()
        mail.state = MailState.SCHEDULED
        mail.handover_on = (due_at or clock.now()).astimezone(PARIS).date()
        db.session.commit()


def hand_over_due(app) -> None:
    with app.app_context(), unscoped():
        dispatch_due(None)
        db.session.commit()
    drain(app, timeout=60)


def run_printer(app) -> None:
    with app.app_context(), unscoped():
        advance_paper_sandbox(None)
        db.session.commit()
    drain(app, timeout=60)


def stored(app, keys) -> list[str]:
    """Which of ``keys`` still have a file."""
    with app.app_context():
        return [key for key in keys if storage().exists(key)]


def contents(app, account, mail_id) -> dict:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        if mail is None:
            return {}
        keys = [d.pdf_key for d in mail.documents]
        printed = [d.storage_key for d in mail.sending.documents] if mail.sending else []
        return {
            "state": mail.state,
            "purged": mail.contents_purged_at is not None,
            "documents": [d.filename for d in mail.documents],
            "files": [k for k in keys + printed if k and storage().exists(k)],
            "proofs": [sendings.proof_bytes(p)[:4] for p in mail.sending.proofs]
            if mail.sending
            else [],
        }


def test_the_contents_of_a_posted_mail_go_14_days_after_its_handover(app, agent, monkeypatch):
    mail_id = make_mail(app, agent, documents=[letter_pdf(), letter_pdf(pages=2)])
    with app.app_context(), tenant_scope(agent.tenant_id):
        originals = [d.pdf_key for d in db.session.get(PaperMail, mail_id).documents]
    validate(app, agent, mail_id)
    hand_over_due(app)
    set_clock(monkeypatch, REAL_NOW() + timedelta(days=8))
    run_printer(app)  # printed, posted, delivered: its deposit proof is archived
    before = contents(app, agent, mail_id)
    assert before["state"] in (MailState.TRANSMITTED, MailState.POSTED)
    assert len(before["files"]) == 3 and before["proofs"] and not before["purged"]

    with app.app_context(), tenant_scope(agent.tenant_id):
        handover_on = db.session.get(PaperMail, mail_id).handover_on
    set_clock(monkeypatch, at_paris(handover_on + timedelta(days=13)))
    run(app, retention.purge_paper_mail_contents)
    assert (
        contents(app, agent, mail_id)["files"]
        and audits(app, agent, "paper_mail.contents_purged") == []
    )

    set_clock(monkeypatch, at_paris(handover_on + timedelta(days=14)))
    run(app, retention.purge_paper_mail_contents)
    run(app, retention.purge_paper_mail_contents)  # twice is once
    after = contents(app, agent, mail_id)
    assert after["purged"] and after["files"] == []
    assert stored(app, originals) == []
    # The list line stays, so do its documents' names and the proofs (their own retention).
    assert after["state"] == before["state"]
    assert after["documents"] == ["document-1.pdf", "document-2.pdf"]
    assert after["proofs"] and all(head == b"%PDF" for head in after["proofs"])
    [entry] = audits(app, agent, "paper_mail.contents_purged")
    assert entry.details["count"] == 1 and entry.details["days"] == 14


def test_a_tenant_keeps_contents_longer_and_a_cancelled_mail_is_purged_too(
    app, agent, monkeypatch, tenant_ids
):
    with app.app_context():
        directory = tenant_directory()
        tenant = directory.by_id(tenant_ids["resilimo"])
        config = tenant.config.model_copy(
            update={
                "retention": tenant.config.retention.model_copy(update={"paper_contents_days": 30})
            }
        )
        monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))

    mail_id = make_mail(app, agent)
    validate(app, agent, mail_id, due_at=REAL_NOW() + timedelta(days=10))  # scheduled
    with app.app_context(), tenant_scope(agent.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        sendings.cancel_sending(mail.sending, "Courrier annulé par l'agence.", None)
        mail.state, mail.cancelled_at = MailState.CANCELLED, clock.now()  # as sending.cancel
        db.session.commit()

    set_clock(monkeypatch, REAL_NOW() + timedelta(days=20))
    run(app, retention.purge_paper_mail_contents)
    assert not contents(app, agent, mail_id)["purged"]
    set_clock(monkeypatch, REAL_NOW() + timedelta(days=31))
    run(app, retention.purge_paper_mail_contents)
    found = contents(app, agent, mail_id)
    assert found["purged"] and found["files"] == [] and found["state"] == MailState.CANCELLED


def test_untouched_drafts_are_deleted_after_two_years_validated_mails_never(
    app, agent, monkeypatch
):
    old = make_mail(app, agent)
    added_to = make_mail(app, agent)
    validated = make_mail(app, agent)
    validate(app, agent, validated, due_at=REAL_NOW() + timedelta(days=5))
    long_ago = REAL_NOW() - timedelta(days=731)
    with app.app_context(), tenant_scope(agent.tenant_id):
        old_keys = [d.pdf_key for d in db.session.get(PaperMail, old).documents]
        db.session.execute(
            update(PaperMail)
            .where(PaperMail.id.in_([old, added_to, validated]))
            .values(updated_at=long_ago)
        )
        db.session.execute(
            update(PaperDocument).where(PaperDocument.mail_id == old).values(created_at=long_ago)
        )
        db.session.commit()
    run(app, retention.purge_paper_mail_drafts)
    run(app, retention.purge_paper_mail_drafts)  # twice is once
    assert contents(app, agent, old) == {}
    assert stored(app, old_keys) == []
    assert contents(app, agent, added_to)["documents"]  # a document added lately: kept
    assert contents(app, agent, validated)["state"] == MailState.SCHEDULED
    [entry] = audits(app, agent, "paper_mail.drafts_purged")
    assert entry.details["count"] == 1 and entry.details["days"] == 730


def test_the_purges_are_daily_jobs_outside_the_clock_change_hour():
    jobs = {periodic.job: periodic.cron for periodic in retention.PERIODIC_JOBS}
    assert set(jobs) == {retention.purge_paper_mail_contents, retention.purge_paper_mail_drafts}
    for cron in jobs.values():
        minute, hour, *every_day = cron.split()
        assert every_day == ["*", "*", "*"] and hour not in ("2", "02")
    assert set(retention.JOBS) == set(jobs)
