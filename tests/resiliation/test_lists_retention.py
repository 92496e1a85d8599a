"""Retention (SPEC §4 « Trash », §9): a letter in the trash is deleted for good after the
tenant's 60 days (not before), its mandate's files with it; letters never validated and the
wizard's drafts after 2 years; each purge twice in a row deletes once and is audit-logged once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from letterkit import make_letter
from sqlalchemy import select, update

from plugins.resiliation import retention
from plugins.resiliation.mandates.models import LetterMandate
from plugins.resiliation.models import Letter, LetterContract, LetterState
from portal.core import clock, drafts
from portal.core.audit import AuditEntry
from portal.core.drafts.models import Draft
from portal.core.storage import storage
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-retention@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def exists(app, account, letter_id) -> bool:
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Letter, letter_id) is not None


def audits(app, account, action) -> list[AuditEntry]:
    with app.app_context(), unscoped():
        return list(
            db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.tenant_id == account.tenant_id
                )
            )
        )


def run(app, job) -> None:
    with app.app_context():
        job()
        db.session.commit()


def later(monkeypatch, days: int) -> None:
    moment = datetime.now(UTC) + timedelta(days=days)
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_a_trashed_letter_is_purged_after_sixty_days_once(
    app, client, agent, post_form, monkeypatch
):
    letter_id = make_letter(app, agent)
    kept = make_letter(app, agent, last_name="Garde")
    key = f"tenants/{agent.tenant_id}/resiliation/test-scan-{letter_id}.pdf"
    with app.app_context(), tenant_scope(agent.tenant_id):
        storage().put(key, b"%PDF-1.4 scan", "application/pdf")
        db.session.add(LetterMandate(letter_id=letter_id, scan_key=key, scan_filename="m.pdf"))
        db.session.commit()
    post_form(client, f"/resiliation/lettres/{letter_id}/corbeille", {})

    later(monkeypatch, 59)
    run(app, retention.purge_trashed_letters)
    assert exists(app, agent, letter_id)
    assert audits(app, agent, "resiliation.trash_purged") == []

    later(monkeypatch, 61)
    run(app, retention.purge_trashed_letters)
    run(app, retention.purge_trashed_letters)  # idempotent
    assert not exists(app, agent, letter_id)
    assert exists(app, agent, kept)  # never trashed: kept
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert not storage().exists(key)
        assert (
            db.session.scalars(
                select(LetterContract).where(LetterContract.letter_id == letter_id)
            ).all()
            == []
        )
        assert (
            db.session.scalars(
                select(LetterMandate).where(LetterMandate.letter_id == letter_id)
            ).all()
            == []
        )
    [entry] = audits(app, agent, "resiliation.trash_purged")
    assert entry.details["count"] == 1 and entry.details["days"] == 60
    assert entry.actor_type == "system"
    assert client.get(f"/resiliation/lettres/{letter_id}").status_code == 404


def test_drafts_are_purged_after_two_years_validated_letters_never(app, agent):
    old_draft = make_letter(app, agent, last_name="Ancien")
    recent_draft = make_letter(app, agent, last_name="Recent")
    old_validated = make_letter(app, agent, last_name="Valide")
    with app.app_context(), tenant_scope(agent.tenant_id):
        kept_wizard = drafts.start(agent.id, retention.WIZARD_KIND, profile_id=None)
        old_wizard = drafts.start(agent.id, retention.WIZARD_KIND, profile_id=None)
        db.session.get(Letter, old_validated).state = LetterState.SENT
        db.session.commit()
        old_wizard_id, kept_wizard_id = old_wizard.id, kept_wizard.id
        long_ago = datetime.now(UTC) - timedelta(days=731)
        db.session.execute(
            update(Letter)
            .where(Letter.id.in_([old_draft, old_validated]))
            .values(updated_at=long_ago)
        )
        db.session.execute(
            update(Draft).where(Draft.id == old_wizard_id).values(updated_at=long_ago)
        )
        db.session.commit()
    run(app, retention.purge_draft_letters)
    run(app, retention.purge_draft_letters)
    assert not exists(app, agent, old_draft)
    assert exists(app, agent, recent_draft) and exists(app, agent, old_validated)
    with app.app_context(), tenant_scope(agent.tenant_id):
        left = set(db.session.scalars(select(Draft.id).where(Draft.account_id == agent.id)))
    assert left == {kept_wizard_id}
    [entry] = audits(app, agent, "resiliation.drafts_purged")
    assert entry.details["count"] == 1 and entry.details["wizard_drafts"] == 1
    assert entry.details["days"] == 730


def test_the_purges_are_periodic_jobs():
    jobs = {periodic.job for periodic in retention.PERIODIC_JOBS}
    assert jobs == {retention.purge_trashed_letters, retention.purge_draft_letters}
