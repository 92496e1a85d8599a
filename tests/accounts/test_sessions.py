"""Sessions on the server: a logout ends a session for good (a copied cookie opens nothing),
a session ends 12 hours after login however active, « Se déconnecter de tous les appareils »."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.accounts import session_records
from portal.core.accounts.models import AccountSession
from portal.core.audit import AuditEntry
from portal.core.clock import now
from portal.extensions import db


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def copy_of_cookie(app, client, client_for):
    """Another client carrying ``client``'s session cookie as it is now (a captured cookie)."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, domain=client.host)
    thief = client_for(client.host)
    thief.set_cookie(name, cookie.value, domain=client.host)
    return thief


def test_a_cookie_captured_before_logout_is_refused_after(
    app, client_for, make_account, login, csrf_token
):
    account = make_account()
    client = client_for("resilimo")
    assert login(client, account.email, account.password).status_code == 302
    thief = copy_of_cookie(app, client, client_for)
    assert thief.get("/compte/").status_code == 200  # the copy works while the session lives

    token = csrf_token(client.get("/compte/").get_data(as_text=True))
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302

    refused = thief.get("/compte/")
    assert refused.status_code == 302 and "/connexion" in refused.headers["Location"]
    assert "Votre session a pris fin. Reconnectez-vous." in page_of(thief.get("/connexion"))
    assert thief.get("/compte/").status_code == 302


def test_a_session_ends_twelve_hours_after_login_however_active(
    client_for, make_account, login, monkeypatch, in_tenant
):
    account = make_account()
    client = client_for("resilimo")
    login(client, account.email, account.password)
    with in_tenant("resilimo"):
        record = db.session.scalar(select(AccountSession))
        assert record.expires_at - record.created_at == timedelta(hours=12)  # the tenant default

    moment = now()
    monkeypatch.setattr(session_records, "now", lambda: moment + timedelta(hours=11, minutes=59))
    assert client.get("/compte/").status_code == 200  # active: the idle timeout never struck
    monkeypatch.setattr(session_records, "now", lambda: moment + timedelta(hours=12, minutes=1))
    response = client.get("/compte/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert "Votre session a pris fin. Reconnectez-vous." in page_of(client.get("/connexion"))
    monkeypatch.undo()
    assert client.get("/compte/").status_code == 302  # logged out, not just paused


def test_log_out_of_every_device(app, client_for, make_account, login, logged_in, csrf_token):
    account = make_account()
    other_account = make_account(email="autre@agence-fournier.fr")
    laptop, phone = client_for("resilimo"), logged_in(account)
    login(laptop, account.email, account.password)
    bystander = logged_in(other_account)

    overview = laptop.get("/compte/")
    assert "Se déconnecter de tous les appareils" in page_of(overview)
    assert laptop.get("/compte/deconnexion-partout").status_code == 405
    assert laptop.post("/compte/deconnexion-partout").status_code == 400  # no CSRF token
    token = csrf_token(overview.get_data(as_text=True).split("deconnexion-partout", 1)[1])
    response = laptop.post("/compte/deconnexion-partout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "Vous êtes déconnecté de tous les appareils." in page_of(laptop.get("/connexion"))

    assert laptop.get("/compte/").status_code == 302
    assert phone.get("/compte/").status_code == 302
    assert bystander.get("/compte/").status_code == 200  # another account's sessions go on
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "account.logged_out_everywhere",
                AuditEntry.target_id == account.id,
                AuditEntry.tenant_id == account.tenant_id,
            )
        )


def test_logging_in_again_ends_the_session_it_replaces_and_forgets_ended_ones(
    app, client_for, make_account, login, in_tenant, csrf_token
):
    account = make_account()
    client = client_for("resilimo")
    login(client, account.email, account.password)
    before = copy_of_cookie(app, client, client_for)
    token = csrf_token(client.get("/compte/").get_data(as_text=True))
    again = {"csrf_token": token, "email": account.email, "password": account.password}
    assert client.post("/connexion", data=again).status_code == 302
    assert before.get("/compte/").status_code == 302  # the session replaced has ended
    assert client.get("/compte/").status_code == 200
    login(client_for("resilimo"), account.email, account.password)  # another device
    with in_tenant("resilimo"):
        records = db.session.scalars(select(AccountSession.revoked_at)).all()
        assert records == [None, None]  # the two live sessions; the ended one is gone


def test_the_brands_files_never_rewrite_the_session_cookie(make_account, logged_in):
    """A page's CSS, icons and scripts load beside it, several at once: were their answers to
    set the cookie, one could land after the page's and undo what it stored (« ?lang=fr »)."""
    client = logged_in(make_account("horizon", email="agent@horizon.fr"))
    page = client.get("/souscription/?lang=fr")
    assert page.headers.getlist("Set-Cookie")
    for path in ("/static/portal.css", "/brand.css", "/theme/favicon.svg", "/favicon.ico"):
        assert not client.get(path).headers.getlist("Set-Cookie"), path
    assert "Vente directe" in client.get("/souscription/vente-directe").get_data(as_text=True)
