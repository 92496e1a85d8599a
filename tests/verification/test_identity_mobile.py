"""The identity verification page lets the holder add or change the mobile it needs (the
provider's SMS code), checked like every phone number of the portal."""

from __future__ import annotations

import re

import pytest
from verifykit import form_token, logged_in, make_agent, text_of

from portal.core.accounts.models import Account
from portal.core.audit import AuditEntry
from portal.core.tenants import tenant_scope
from portal.extensions import db

PAGE = "/compte/verification/identite"


def post_mobile(client, number: str):
    token = form_token(client, PAGE)
    return client.post(PAGE, data={"mobile-csrf_token": token, "mobile-mobile": number})


def stored(app, agent) -> tuple[str | None, str | None]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        account = db.session.get(Account, agent.id)
        return account.mobile, account.holder_profile.mobile


def test_a_holder_without_a_mobile_adds_it_then_may_start(app, client_for):
    agent = make_agent(app, email="sansmobile@example.fr", mobile=None)
    client = logged_in(client_for, agent)
    page = text_of(client.get(PAGE))
    assert "Ajoutez votre téléphone portable" in page
    assert 'name="mobile-mobile"' in page and "Continuer la vérification" not in page
    response = post_mobile(client, "06 98 76 54 32")
    assert response.status_code == 302
    assert stored(app, agent) == ("+33698765432", "+33698765432")
    page = text_of(client.get(PAGE))
    assert "Votre téléphone portable est enregistré." in page
    assert "06 98 76 54 32" in page and "Continuer la vérification" in page
    with app.app_context(), tenant_scope(agent.tenant_id):
        actions = db.session.scalars(select_actions().where(AuditEntry.target_id == agent.id)).all()
    assert "account.mobile_changed" in actions


def select_actions():
    from sqlalchemy import select

    return select(AuditEntry.action).where(AuditEntry.target_type == "Account")


def test_the_holder_changes_the_mobile_and_the_profile_follows(app, client_for):
    agent = make_agent(app, email="change@example.fr")
    client = logged_in(client_for, agent)
    assert 'value="06 12 34 56 78"' in text_of(client.get(PAGE))
    assert post_mobile(client, "+33 7 81 22 33 44").status_code == 302
    assert stored(app, agent) == ("+33781223344", "+33781223344")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Saisissez votre numéro de téléphone portable."),
        ("01 40 00 00 00", "Indiquez un numéro de téléphone portable."),
        ("12", "Ce numéro de téléphone n'est pas valide."),
    ],
)
def test_a_wrong_number_is_refused_next_to_its_field(app, client_for, typed, message):
    agent = make_agent(app, email="faux@example.fr", mobile=None)
    client = logged_in(client_for, agent)
    html = text_of(post_mobile(client, typed))
    error = re.search(r'<p class="error" id="mobile-mobile-error">([^<]+)</p>', html)
    assert error and message in error.group(1)
    assert stored(app, agent) == (None, None)


def test_a_collaborator_cannot_change_the_holders_mobile(app, client_for, make_profile):
    agent = make_agent(app, email="collab@example.fr")
    helper = make_profile(agent, name="Paul")
    client = logged_in(client_for, agent, helper)
    token = form_token(client, "/compte/")
    response = client.post(PAGE, data={"mobile-csrf_token": token, "mobile-mobile": "0698765432"})
    assert response.status_code == 403
    assert stored(app, agent)[0] == "+33612345678"
