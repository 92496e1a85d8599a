"""Login, logout, rate limiting, idle timeout, re-authentication."""

from __future__ import annotations

import html
import time

import pytest
from sqlalchemy import update

from portal.core.accounts.models import Account, AccountStatus
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def log_in(csrf_token):
    def post(client, email, password, next=None):
        page = client.get("/connexion" + (f"?next={next}" if next else "")).get_data(True)
        return client.post(
            "/connexion",
            data={"csrf_token": csrf_token(page), "email": email, "password": password}
            | ({"next": next} if next else {}),
        )

    return post


def set_status(app, account, status):
    with app.app_context(), tenant_scope(account.tenant_id):
        db.session.execute(update(Account).values(status=status))
        db.session.commit()


def test_login_opens_a_renewed_session(client_for, make_account, log_in):
    account = make_account()
    client = client_for("resilimo")
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        session["planted"] = "before login"
    response = log_in(client, "Jean@Agence-Fournier.fr", account.password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        assert "planted" not in session  # nothing from before the login survives
        assert session["profile_id"] == account.holder_profile_id  # one profile: chosen
    assert client.get("/compte/").status_code == 200


def test_logout_is_a_post_with_csrf(client_for, make_account, log_in, csrf_token):
    account = make_account()
    client = client_for("resilimo")
    log_in(client, account.email, account.password)
    assert client.get("/deconnexion").status_code == 405
    assert client.post("/deconnexion").status_code == 400
    token = csrf_token(client.get("/connexion/confirmer").get_data(as_text=True))
    response = client.post("/deconnexion", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "Vous êtes déconnecté." in page_of(client.get("/connexion"))
    assert client.get("/compte/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client_for, make_account, log_in):
    account = make_account()
    client = client_for("resilimo")
    wrong = log_in(client, account.email, "Pas-le-bon-1!")
    unknown = log_in(client, "personne@agence-fournier.fr", account.password)
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in page_of(response)
    assert 'value="personne@agence-fournier.fr"' in page_of(unknown)  # the email is kept
    assert client.get("/compte/").status_code == 302


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (AccountStatus.PENDING_ACTIVATION, "Votre compte n'est pas encore activé"),
        (AccountStatus.PENDING_APPROVAL, "Votre demande d'inscription est en cours d'examen"),
        (AccountStatus.REJECTED, "Votre demande d'inscription n'a pas été acceptée"),
        (AccountStatus.CLOSED, "Ce compte est fermé."),
    ],
)
def test_an_account_that_may_not_log_in_is_told_why_once_the_password_is_right(
    app, client_for, make_account, log_in, status, message
):
    account = make_account()
    set_status(app, account, status)
    client = client_for("resilimo")
    assert message not in page_of(log_in(client, account.email, "Pas-le-bon-1!"))
    response = log_in(client, account.email, account.password)
    assert response.status_code == 200 and message in page_of(response)
    assert client.get("/compte/").status_code == 302
    if status == AccountStatus.PENDING_ACTIVATION:
        assert 'action="/activation/nouveau-lien"' in page_of(response)


def test_next_is_followed_only_within_the_site(client_for, make_account, log_in):
    account = make_account()
    response = log_in(client_for("resilimo"), account.email, account.password, next="/compte/")
    assert response.headers["Location"] == "/compte/"
    for evil in ("https://evil.test/", "//evil.test/", "/\\evil.test", "javascript:alert(1)"):
        response = log_in(client_for("resilimo"), account.email, account.password, next=evil)
        assert response.headers["Location"] == "/", evil


def test_several_profiles_go_to_the_profile_choice(client_for, make_account, make_profile, log_in):
    account = make_account()
    make_profile(account, "Emma", email="emma@agence.fr")
    response = log_in(client_for("resilimo"), account.email, account.password, next="/compte/")
    assert response.headers["Location"].startswith("/compte/profil?next=/compte/")


def test_a_page_that_needs_a_login_comes_back_after_it(client_for, make_account, csrf_token):
    account = make_account()
    client = client_for("resilimo")
    response = client.get("/compte/")
    assert response.status_code == 302 and "/connexion?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/compte/"' in page
    response = client.post(
        "/connexion",
        data={
            "csrf_token": csrf_token(page),
            "email": account.email,
            "password": account.password,
            "next": "/compte/",
        },
    )
    assert response.headers["Location"] == "/compte/"


def test_too_many_failures_for_one_address_are_refused_with_a_clear_message(
    client_for, make_account, log_in
):
    account = make_account()
    make_account("msr", email=account.email)
    client = client_for("resilimo")
    for _ in range(5):
        assert log_in(client, account.email, "Pas-le-bon-1!").status_code == 200
    throttled = log_in(client, account.email, account.password)  # even the right password
    assert throttled.status_code == 429
    page = page_of(throttled)
    assert "Trop de tentatives. Pour protéger votre compte, réessayez dans une minute." in page
    assert 'name="email"' in page and f'value="{account.email}"' in page  # the form, kept
    assert throttled.headers.get("Retry-After")
    # Another address from the same client, and the same address on another tenant, still work.
    assert log_in(client, "autre@agence-fournier.fr", "x").status_code == 200
    assert log_in(client_for("msr"), account.email, account.password).status_code == 302


def test_successful_logins_are_not_counted(client_for, make_account, log_in):
    account = make_account()
    for _ in range(6):
        assert log_in(client_for("resilimo"), account.email, account.password).status_code == 302


def test_too_many_failures_from_one_client_are_refused(client_for, log_in):
    client = client_for("resilimo")
    for n in range(20):
        assert log_in(client, f"inconnu{n}@agence-fournier.fr", "x").status_code == 200
    assert log_in(client, "encore@agence-fournier.fr", "x").status_code == 429


def test_an_idle_session_expires(client_for, make_account, sign_in):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    assert client.get("/compte/").status_code == 200
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        session["last_seen"] = time.time() - 31 * 60  # resilimo: 30 minutes
    response = client.get("/compte/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert "Votre session a expiré" in page_of(client.get("/connexion"))
    assert client.get("/compte/").status_code == 302


def test_reauthentication_records_the_time_and_goes_back(
    client_for, make_account, sign_in, csrf_token
):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    page = client.get("/connexion/confirmer?next=/compte/coordonnees").get_data(as_text=True)
    token = csrf_token(page)
    wrong = client.post(
        "/connexion/confirmer",
        data={"csrf_token": token, "password": "Pas-le-bon-1!", "next": "/compte/coordonnees"},
    )
    assert wrong.status_code == 200 and "Mot de passe incorrect." in page_of(wrong)
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        assert "reauth_at" not in session
    before = time.time()
    response = client.post(
        "/connexion/confirmer",
        data={"csrf_token": token, "password": account.password, "next": "/compte/coordonnees"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/compte/coordonnees"
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        assert session["reauth_at"] >= before
    assert client_for("resilimo").get("/connexion/confirmer").status_code == 302  # needs a login


def test_reauthentication_failures_are_limited(client_for, make_account, sign_in, csrf_token):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    token = csrf_token(client.get("/connexion/confirmer").get_data(as_text=True))
    for _ in range(5):
        client.post("/connexion/confirmer", data={"csrf_token": token, "password": "x"})
    response = client.post(
        "/connexion/confirmer", data={"csrf_token": token, "password": account.password}
    )
    assert response.status_code == 429 and "Trop de tentatives" in page_of(response)


def from_address(client, csrf_token, address, email, password):
    """A login attempt from the client address ``address``."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/connexion", environ_base=environ).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "email": email, "password": password}
    return client.post("/connexion", data=data, environ_base=environ)


def test_a_stranger_failing_elsewhere_does_not_lock_the_real_user_out(
    client_for, make_account, csrf_token
):
    account = make_account()
    stranger = client_for("resilimo")
    for _ in range(6):
        from_address(stranger, csrf_token, "203.0.113.9", account.email, "Pas-le-bon-1!")
    blocked = from_address(stranger, csrf_token, "203.0.113.9", account.email, account.password)
    assert blocked.status_code == 429  # the stranger's own address is throttled
    real_user = client_for("resilimo")
    response = from_address(real_user, csrf_token, "198.51.100.7", account.email, account.password)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_hundred_failures_an_hour_lock_the_address_from_anywhere(
    client_for, make_account, csrf_token
):
    account = make_account()
    client = client_for("resilimo")
    for n in range(100):  # 20 addresses, each under its own per-minute limits
        address = f"203.0.113.{n // 5 + 1}"
        response = from_address(client, csrf_token, address, account.email, "Pas-le-bon-1!")
        assert response.status_code == 200
    blocked = from_address(client, csrf_token, "198.51.100.7", account.email, account.password)
    assert blocked.status_code == 429
    assert "Trop de tentatives. Pour protéger votre compte, réessayez dans une heure." in page_of(
        blocked
    )
    other = make_account(email="autre@agence-fournier.fr")
    assert (
        from_address(client, csrf_token, "198.51.100.7", other.email, other.password).status_code
        == 302
    )


def test_a_page_answered_late_does_not_undo_what_another_page_stored(
    client_for, make_account, sign_in
):
    """The session cookie is sent when the session changes, not on every answer: a request
    still running with the cookie of before (a document in a frame, a download) no longer puts
    back a session without the language the next page just chose."""
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    assert client.get("/compte/").status_code == 200
    before = client.get_cookie("session", domain="resilimo.localhost").value
    chosen = client.get("/compte/?lang=en")
    assert "Set-Cookie" in chosen.headers  # the language, stored
    chosen_cookie = client.get_cookie("session", domain="resilimo.localhost").value

    late = client_for("resilimo")  # the same browser's request started before the choice
    late.set_cookie("session", before, domain="resilimo.localhost")
    answered = late.get("/compte/")
    assert answered.status_code == 200 and "Set-Cookie" not in answered.headers
    assert client.get_cookie("session", domain="resilimo.localhost").value == chosen_cookie
    assert 'lang="en"' in client.get("/compte/").get_data(as_text=True)


def test_activity_is_noted_once_a_minute_and_keeps_the_session_alive(
    client_for, make_account, sign_in
):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        session["last_seen"] = time.time() - 29 * 60  # resilimo: idle after 30 minutes
    noted = client.get("/compte/")
    assert noted.status_code == 200 and "Set-Cookie" in noted.headers
    with client.session_transaction(base_url="http://resilimo.localhost") as session:
        assert time.time() - session["last_seen"] < 5
    again = client.get("/compte/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
