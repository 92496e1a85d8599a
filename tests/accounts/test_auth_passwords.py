"""Forgotten password, reset link, change of password: one-time links, other sessions ended."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.core.accounts.models import Account, AccountToken
from portal.core.accounts.passwords import verify_password
from portal.core.audit import AuditEntry
from portal.core.tenants import tenant_scope
from portal.extensions import db

NEW_PASSWORD = "Nouveau-Secret-2025"  # noqa: S105 - a test password that meets the policy


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def link_in(message, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[\w-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def stored(app, account) -> Account:
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Account, account.id)


def ask_reset(client, csrf_token, email):
    page = client.get("/mot-de-passe/oublie").get_data(as_text=True)
    return client.post(
        "/mot-de-passe/oublie", data={"csrf_token": csrf_token(page), "email": email}
    )


def choose(client, csrf_token, path, password=NEW_PASSWORD, confirm=None):
    page = client.get(path).get_data(as_text=True)
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(page),
            "password": password,
            "password_confirm": confirm or password,
        },
    )


def test_the_forgotten_password_answer_is_the_same_for_known_and_unknown_addresses(
    client_for, make_account, csrf_token, sent_emails
):
    account = make_account()
    known = ask_reset(client_for("resilimo"), csrf_token, account.email)
    unknown = ask_reset(client_for("resilimo"), csrf_token, "personne@agence-fournier.fr")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    pages = [client_for("resilimo").get(r.headers["Location"]).get_data() for r in (known, unknown)]
    assert pages[0] == pages[1]
    assert "Si un compte correspond à cette adresse" in pages[0].decode()
    [message] = sent_emails(account.tenant_id)
    assert message.recipients == account.email
    assert message.subject == "Réinitialisez votre mot de passe"


def test_a_bad_address_is_explained_and_kept(client_for, csrf_token):
    response = ask_reset(client_for("resilimo"), csrf_token, "jean@")
    page = page_of(response)
    assert response.status_code == 200 and 'value="jean@"' in page
    assert "Cette adresse e-mail n'est pas valide" in page


def test_reset_then_every_other_session_is_logged_out(
    app, client_for, make_account, sign_in, csrf_token, sent_emails
):
    account = make_account()
    elsewhere = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    assert elsewhere.get("/compte/").status_code == 200

    client = client_for("resilimo")
    ask_reset(client, csrf_token, account.email)
    path = link_in(sent_emails(account.tenant_id)[0], "/mot-de-passe/reinitialiser/")
    mismatch = choose(client, csrf_token, path, confirm=NEW_PASSWORD + "x")
    assert "Les deux mots de passe ne sont pas identiques." in page_of(mismatch)
    weak = choose(client, csrf_token, path, password="court")
    assert "12 caractères" in page_of(weak)
    assert choose(client, csrf_token, path).status_code == 302

    assert client.get("/compte/").status_code == 200  # logged in with the new password
    assert elsewhere.get("/compte/").status_code == 302  # the other session is over
    row = stored(app, account)
    assert verify_password(row.password_hash, NEW_PASSWORD)
    assert row.session_version == account.session_version + 1
    changed = sent_emails(account.tenant_id)[-1]
    assert changed.subject == "Votre mot de passe a été modifié"
    assert "/mot-de-passe/oublie" in changed.body_text
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "account.password_reset", AuditEntry.target_id == account.id
            )
        )

    # Used: the link is dead, and says how to get another one.
    used = client_for("resilimo").get(path)
    assert used.status_code == 404 and 'action="/mot-de-passe/oublie"' in page_of(used)


def test_a_reset_link_expires(app, client_for, make_account, csrf_token, sent_emails):
    account = make_account()
    client = client_for("resilimo")
    ask_reset(client, csrf_token, account.email)
    path = link_in(sent_emails(account.tenant_id)[0], "/mot-de-passe/reinitialiser/")
    token = csrf_token(client.get(path).get_data(as_text=True))
    with app.app_context(), tenant_scope(account.tenant_id):
        db.session.execute(
            update(AccountToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
    expired = client.post(
        path,
        data={"csrf_token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert expired.status_code == 404 and "Ce lien n'est plus valable" in page_of(expired)
    assert verify_password(stored(app, account).password_hash, account.password)


def test_a_link_of_one_tenant_is_unknown_on_another(
    client_for, make_account, csrf_token, sent_emails
):
    account = make_account()
    ask_reset(client_for("resilimo"), csrf_token, account.email)
    path = link_in(sent_emails(account.tenant_id)[0], "/mot-de-passe/reinitialiser/")
    assert client_for("msr").get(path).status_code == 404
    assert client_for("resilimo").get(path).status_code == 200


def test_change_password_keeps_this_session_and_ends_the_others(
    app, client_for, make_account, make_profile, sign_in, csrf_token, sent_emails
):
    account = make_account()
    emma_id = make_profile(account, "Emma", email="emma@agence-fournier.fr")
    client = sign_in(client_for("resilimo"), account, emma_id)
    other = sign_in(client_for("resilimo"), account, account.holder_profile_id)

    page = client.get("/mot-de-passe/modifier").get_data(as_text=True)
    token = csrf_token(page)
    wrong = client.post(
        "/mot-de-passe/modifier",
        data={
            "csrf_token": token,
            "current_password": "Pas-le-bon-1!",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    page = page_of(wrong)
    assert re.search(r'id="current_password-error">Le mot de passe actuel n\'est pas le bon', page)
    response = client.post(
        "/mot-de-passe/modifier",
        data={
            "csrf_token": token,
            "current_password": account.password,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 200
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        assert session["profile_id"] == emma_id  # still Emma at work
        assert session["reauth_at"]
    assert other.get("/compte/").status_code == 302
    assert verify_password(stored(app, account).password_hash, NEW_PASSWORD)
    assert sent_emails(account.tenant_id)[-1].subject == "Votre mot de passe a été modifié"
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "account.password_changed", AuditEntry.target_id == account.id
            )
        )
        assert entry.details == {"profile": "Emma"}


def test_change_password_needs_a_login(client_for):
    response = client_for("resilimo").get("/mot-de-passe/modifier")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_first_connection_of_an_active_account_sends_a_reset_link(
    client_for, make_account, csrf_token, sent_emails
):
    account = make_account("horizon")
    client = client_for("horizon")
    page = client.get("/premiere-connexion").get_data(as_text=True)
    client.post(
        "/premiere-connexion", data={"csrf_token": csrf_token(page), "email": account.email}
    )
    [message] = sent_emails(account.tenant_id)
    assert "/mot-de-passe/reinitialiser/" in message.body_text


def test_password_pages_are_not_cached(client_for):
    response = client_for("resilimo").get("/mot-de-passe/oublie")
    assert response.headers["Cache-Control"] == "no-store"


def test_reset_emails_are_limited_per_address_whatever_the_client(
    client_for, make_account, csrf_token, sent_emails
):
    account = make_account()
    client = client_for("resilimo")

    def ask_from(address, email):
        environ = {"REMOTE_ADDR": address}
        page = client.get("/mot-de-passe/oublie", environ_base=environ).get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "email": email}
        return client.post("/mot-de-passe/oublie", data=data, environ_base=environ)

    for n in range(5):  # five clients, each well under its own limit
        assert ask_from(f"203.0.113.{n + 1}", account.email).status_code == 302
    refused = ask_from("203.0.113.99", account.email.upper())
    assert refused.status_code == 429
    assert "Trop de tentatives. Pour protéger votre compte, réessayez dans une heure." in page_of(
        refused
    )
    assert len(sent_emails(account.tenant_id)) == 5  # the mailbox is not flooded
    assert ask_from("203.0.113.99", "autre@agence-fournier.fr").status_code == 302
