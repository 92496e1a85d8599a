"""Drafts kept on the server (two years by default, the tenant's ``drafts_days``): several per
account and kind, each with its key, read back from any session, tagged with the profile that
changed it last, discarded, purged once untouched too long — one tenant's never another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from portal.core import drafts
from portal.core.drafts.models import Draft
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

KIND = "tests.wizard"


def test_several_drafts_of_one_kind_are_kept_listed_newest_first_and_discarded(
    app, make_account, make_profile, tenant_ids
):
    account = make_account()
    assistant = make_profile(account, name="Léa Martin")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        first = drafts.start(account.id, KIND, profile_id=account.holder_profile_id)
        second = drafts.start(account.id, KIND, profile_id=account.holder_profile_id)
        drafts.start(account.id, "tests.other", profile_id=None)
        drafts.save(first, {"text": "Bonjour"}, profile_id=assistant, title="Lettre à la banque")
        db.session.commit()
        assert first.key != second.key
        assert [d.key for d in drafts.of_kind(account.id, KIND)] == [first.key, second.key]
        found = drafts.find(account.id, KIND, first.key)
        assert (found.data, found.title, found.profile_id) == (
            {"text": "Bonjour"},
            "Lettre à la banque",
            assistant,
        )
        assert drafts.find(account.id, "tests.other", first.key) is None  # another kind
        drafts.discard(first)
        db.session.commit()
        assert [d.key for d in drafts.of_kind(account.id, KIND)] == [second.key]


def test_another_account_or_tenant_never_reads_a_draft(app, make_account, tenant_ids):
    account = make_account()
    neighbour = make_account(email="voisin@example.fr")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        key = drafts.start(account.id, KIND, profile_id=None, data={"text": "confidentiel"}).key
        db.session.commit()
        assert drafts.find(neighbour.id, KIND, key) is None
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        assert drafts.find(account.id, KIND, key) is None  # the same ids, through another tenant
        assert drafts.of_kind(account.id, KIND) == []


def test_untouched_drafts_are_purged_after_the_tenants_retention(app, make_account, tenant_ids):
    old_here = make_account()
    elsewhere = make_account(slug="msr", email="claire@example.fr")
    with app.app_context():
        for slug, account in (("resilimo", old_here), ("msr", elsewhere)):
            with tenant_scope(tenant_ids[slug]):
                drafts.start(account.id, KIND, profile_id=None, data={"text": "ancien"})
                drafts.start(account.id, "tests.recent", profile_id=None)
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
        drafts.start(account.id, KIND, profile_id=None, data={"text": "à effacer"})
        db.session.commit()
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        current_plugins().call_each(
            "on_account_purged", tenant=tenant, account=db.session.get(Account, account.id)
        )
        db.session.commit()
        assert drafts.of_kind(account.id, KIND) == []
