"""The emails of a member's sign-up (request received, approved, refused) speak to a member of a
social-security fund: no agent vocabulary (issue 12, point 1)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.core.accounts.authentication import find_account
from portal.core.accounts.invitations import approve_signup, reject_signup
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

AGENT_WORDS = (
    "agence",
    "courrier",
    "lettre",
    "crédit",
    "mandat",
    "orias",
    "intermédiaire",
    "nom commercial",
    "collaborat",
    "cgv",
)
STAFF = SimpleNamespace(id=7, email="operatrice@portail.test")


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def request_access(client, csrf_token, email: str):
    page = client.get("/inscription").get_data(as_text=True)
    data = {
        "email": email,
        "last_name": "Roux",
        "first_name": "Marie",
        "category": "employer",
        "address": "Lieu-dit Les Granges",
        "postal_code": "45000",
        "city": "Orléans",
        "phone": "02 38 00 00 00",
        "accept_terms": "y",
        "csrf_token": csrf_token(page),
    }
    assert client.post("/inscription", data=data).status_code == 302


def act_on(app, tenant_id: int, email: str, action) -> None:
    with app.app_context(), tenant_scope(tenant_id):
        account_id = find_account(email).id
    with app.test_request_context("/", base_url="http://backoffice.localhost"), unscoped():
        from portal.core.accounts.models import Account

        action(db.session.get(Account, account_id))
        db.session.commit()


def assert_no_agent_words(message) -> None:
    for text in (message.subject, message.body_text):
        for word in AGENT_WORDS:
            assert word not in text.casefold(), (word, text)


def test_a_members_request_approval_and_refusal_emails_speak_to_a_member(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    msr = tenant_ids["msr"]
    client = client_for("msr")
    request_access(client, csrf_token, "marie.roux@ferme-roux.fr")
    act_on(app, msr, "marie.roux@ferme-roux.fr", lambda a: approve_signup(a, STAFF))
    request_access(client, csrf_token, "paul.roux@ferme-roux.fr")
    act_on(
        app,
        msr,
        "paul.roux@ferme-roux.fr",
        lambda a: reject_signup(a, STAFF, "Vous n'êtes pas affilié à notre caisse."),
    )
    emails = sent_emails(msr)
    subjects = sorted(message.subject for message in emails)
    assert subjects == sorted(
        [
            "Votre demande d'inscription a bien été reçue",
            "Votre compte est validé : créez votre mot de passe",
            "Votre demande d'inscription a bien été reçue",
            "Votre demande d'inscription n'a pas été acceptée",
        ]
    )
    for message in emails:
        assert_no_agent_words(message)
        assert "Bonjour Marie Roux" in message.body_text
