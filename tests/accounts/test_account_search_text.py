"""The text the back office searches an account by follows the account, including its purge."""

from __future__ import annotations

from portal.core.accounts.closure import purge
from portal.core.accounts.models import Account
from portal.core.accounts.search import fold
from portal.core.tenants import tenant_scope
from portal.extensions import db


def test_fold_drops_accents_case_and_extra_spaces():
    assert fold("  Cabinet  LEFÈVRE   Assurances ") == "cabinet lefevre assurances"
    assert fold("Œuvre Ça") == "œuvre ca"


def test_the_search_text_follows_the_account_and_is_erased_by_the_purge(
    app, make_account, tenant_ids
):
    made = make_account(commercial_name="Agence Fournier Assurances")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        account = db.session.get(Account, made.id)
        assert "jean fournier" in account.search_text and "12345678" in account.search_text
        account.commercial_name = "Cabinet Hélène Dupré"
        db.session.commit()
        assert "cabinet helene dupre" in db.session.get(Account, made.id).search_text
        purge(account)
        db.session.commit()
        text = db.session.get(Account, made.id).search_text
        assert "fournier" not in text and "dupre" not in text and "jean@" not in text
