"""Drafts kept on the server (SPEC §9: two years by default): saved, read back from any session,
discarded, purged once untouched for the tenant's ``drafts_days`` — one tenant's never another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from portal.core import drafts
from portal.core.drafts.models import Draft
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

KIND = "tests.wizard"


def test_a_draft_is_saved_read_back_and_discarded(app, make_account, tenant_ids):
    account = make_account()
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        assert drafts.load(account.id, KIND) is None
        drafts.save(account.id, KIND, {"step": 1, "text": "Bonjour"})
        db.session.commit()
        drafts.save(account.id, KIND, {"step": 2, "text": "Bonjour à vous"})
        db.session.commit()
        assert drafts.load(account.id, KIND) == {"step": 2, "text": "Bonjour à vous"}
        assert drafts.load(account.id, "tests.other") is None
        drafts.discard(account.id, KIND)
        db.session.commit()
        assert drafts.load(account.id, KIND) is None


def test_another_tenant_never_reads_a_draft(app, make_account, tenant_ids):
    account = make_account()
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        drafts.save(account.id, KIND, {"text": "confidentiel"})
        db.session.commit()
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        assert drafts.load(account.id, KIND) is None  # the same id, through another tenant


def test_untouched_drafts_are_purged_after_the_tenants_retention(app, make_account, tenant_ids):
    old_here = make_account()
    elsewhere = make_account(slug="msr", email="claire@example.fr")
    with app.app_context():
        for slug, account in (("resilimo", old_here), ("msr", elsewhere)):
            with tenant_scope(tenant_ids[slug]):
                drafts.save(account.id, KIND, {"text": "ancien"})
                drafts.save(account.id, "tests.recent", {"text": "récent"})
        db.session.commit()
        # resilimo keeps drafts 730 days (default), msr 365 (its tenant.toml): both 400 days old.
        with unscoped():
            db.session.execute(
                update(Draft)
                .where(Draft.kind == KIND)
                .values(updated_at=datetime.now(UTC) - timedelta(days=400))
            )
            db.session.commit()
        drafts.purge_expired_drafts()
        db.session.commit()
        with unscoped():
            left = sorted(
                (row.tenant_id == tenant_ids["msr"], row.kind)
                for row in db.session.scalars(select(Draft))
            )
    assert left == sorted([(False, KIND), (False, "tests.recent"), (True, "tests.recent")])


def test_a_purged_account_loses_its_drafts(app, make_account, tenant_ids):
    from portal.core.accounts.models import Account
    from portal.core.plugins import current_plugins
    from portal.core.tenants import tenant_directory

    account = make_account()
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        drafts.save(account.id, KIND, {"text": "à effacer"})
        db.session.commit()
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        current_plugins().call_each(
            "on_account_purged", tenant=tenant, account=db.session.get(Account, account.id)
        )
        db.session.commit()
        assert drafts.load(account.id, KIND) is None
