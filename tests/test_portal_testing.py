"""``portal.testing`` serves a suite that is not portal's: a throwaway test folder run by pytest
in its own process finds the fixtures, an account logs in, operators reach the back office."""

from __future__ import annotations

pytest_plugins = ["pytester"]

SUITE = """
from portal.testing import shipped_plugins


def test_the_plugins_shipped_with_portal_are_loaded(app):
    assert app.extensions["portal.plugins"].names == shipped_plugins()
    assert "secure_messaging" in shipped_plugins()


def test_an_account_logs_in_on_its_tenant_only(make_account, logged_in, client_for):
    account = make_account("msr", "claire@example.fr")
    assert logged_in(account).get("/compte/").status_code == 200
    assert client_for("msr").get("/compte/").status_code == 302


def test_rows_of_the_previous_test_are_gone(app, make_account, in_tenant):
    from sqlalchemy import func, select

    from portal.core.accounts.models import Account
    from portal.extensions import db

    make_account("msr", "claire@example.fr")  # the same email again: the first one was deleted
    with in_tenant("msr"):
        assert db.session.scalar(select(func.count()).select_from(Account)) == 1


def test_a_collaborator_profile_and_a_form(make_account, make_profile, logged_in, post_form):
    account = make_account("resilimo")
    collaborator = logged_in(account, make_profile(account, name="Emma Petit"))
    assert collaborator.get("/compte/utilisateurs").status_code == 403
    holder = logged_in(account, reauth=True)
    response = post_form(holder, "/compte/utilisateurs/nouveau", {"name": ""})
    assert response.status_code == 200


def test_an_operator_reaches_the_back_office(staff_client, backoffice):
    operator, staff = staff_client()
    assert operator.get("/backoffice/comptes").status_code == 200
    assert backoffice().get("/backoffice/comptes").status_code == 302
"""


def test_a_third_party_suite_gets_the_fixtures(pytester):
    pytester.makepyfile(test_acme=SUITE)
    result = pytester.runpytest_subprocess("-p", "portal.testing", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
