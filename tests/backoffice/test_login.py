"""Staff login: a password AND a TOTP code; enrolment at first login; codes never reused;
failures counted and throttled; logout; every step audited."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from bokit import PASSWORD, audit_entries, csrf_token, unique_email

from portal.core import audit
from portal.core.accounts import session_records
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.backoffice.operations import MAX_FAILURES, MAX_HOURLY_FAILURES
from portal.core.clock import now
from portal.extensions import db


def _password_step(client, email, password=PASSWORD, next_url=None, address="127.0.0.1"):
    url = "/backoffice/connexion" + (f"?next={next_url}" if next_url else "")
    environ = {"REMOTE_ADDR": address}
    page = client.get(url, environ_base=environ)
    return client.post(
        url,
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        environ_base=environ,
    )


def _earlier_failures(app, staff, count: int, addresses: list[str]) -> None:
    """``count`` failed passwords recorded from ``addresses`` in turn (argon2 is slow: they are
    not replayed through the page)."""
    for n in range(count):
        environ = {"REMOTE_ADDR": addresses[n % len(addresses)]}
        with app.test_request_context(environ_base=environ):
            audit.record(
                "backoffice.login_failed",
                actor_type="staff",
                actor_id=None,
                actor_label=staff.email,
            )
            db.session.commit()


def _code_step(client, code):
    page = client.get("/backoffice/connexion/code")
    assert page.status_code == 200
    response = client.post(
        "/backoffice/connexion/code", data={"code": code, "csrf_token": csrf_token(page.text)}
    )
    return page, response


def _reload(app, staff) -> StaffUser:
    with app.app_context():
        fresh = db.session.get(StaffUser, staff.id)
        db.session.expunge(fresh)
        return fresh


def test_first_login_enrols_the_authenticator_then_opens_the_back_office(
    app, make_staff, backoffice
):
    staff = make_staff(StaffRole.ADMIN, enrolled=False)
    client = backoffice()

    response = _password_step(client, staff.email)
    assert response.status_code == 302 and "/backoffice/connexion/code" in response.location
    # The password alone opens nothing.
    assert client.get("/backoffice/tableau-de-bord").status_code == 302

    page = client.get("/backoffice/connexion/code")
    secret = _reload(app, staff).totp_secret
    assert secret and " ".join(re.findall(".{1,4}", secret)) in page.text  # shown, grouped
    assert "otpauth://totp/" in page.text and f"secret={secret}" in page.text
    assert client.get("/backoffice/connexion/code").text.count(secret[:4]) >= 1
    assert _reload(app, staff).totp_secret == secret  # stable until confirmed

    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    _, refused = _code_step(client, wrong)
    assert refused.status_code == 200 and "pas valide" in refused.text
    assert _reload(app, staff).totp_confirmed_at is None

    _, accepted = _code_step(client, pyotp.TOTP(secret).now())
    assert accepted.status_code == 302 and accepted.location.endswith("/backoffice/tableau-de-bord")
    assert client.get("/backoffice/tableau-de-bord").status_code == 200
    assert _reload(app, staff).totp_confirmed_at is not None

    assert audit_entries(app, "backoffice.totp_enrolled", actor_label=staff.email)
    assert audit_entries(app, "backoffice.login", actor_label=staff.email)
    [failure] = audit_entries(app, "backoffice.totp_failed", actor_label=staff.email)
    assert failure.details["enrolment"] is True


def test_each_login_needs_a_fresh_code_and_a_code_is_never_accepted_twice(
    app, make_staff, backoffice
):
    staff = make_staff(StaffRole.SUPPORT)
    totp = pyotp.TOTP(staff.totp_secret)
    code = totp.now()

    first = backoffice()
    _password_step(first, staff.email)
    page, response = _code_step(first, code)
    assert "otpauth://" not in page.text  # enrolled: no secret shown again
    assert response.status_code == 302

    second = backoffice()  # another browser, same code replayed within its 30 seconds
    _password_step(second, staff.email)
    _, replay = _code_step(second, code)
    assert replay.status_code == 200 and "déjà servi" in replay.text
    assert second.get("/backoffice/tableau-de-bord").status_code == 302

    # The next time step's code (valid_window=1 tolerates clock drift) is a new code: accepted.
    _, later = _code_step(second, totp.at(time.time() + totp.interval))
    assert later.status_code == 302
    assert second.get("/backoffice/tableau-de-bord").status_code == 200


def test_the_code_page_needs_the_password_first(backoffice, make_staff):
    client = backoffice()
    response = client.get("/backoffice/connexion/code")
    assert response.status_code == 302 and "/backoffice/connexion" in response.location


def test_unknown_email_and_wrong_password_get_the_same_answer_and_are_counted(
    app, make_staff, backoffice
):
    staff = make_staff(StaffRole.SUPPORT)
    client = backoffice()
    wrong = _password_step(client, staff.email, "Mauvais-Mot-De-Passe-1")
    unknown_email = unique_email("inconnu")
    unknown = _password_step(client, unknown_email, PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert staff.email in wrong.text  # what was typed is kept (not the password)
    assert "Mauvais-Mot-De-Passe-1" not in wrong.text

    [entry] = audit_entries(app, "backoffice.login_failed", actor_label=staff.email)
    assert entry.details == {"failures": 1, "reason": "password"}
    [entry] = audit_entries(app, "backoffice.login_failed", actor_label=unknown_email)
    assert entry.details["reason"] == "unknown" and entry.actor_id is None


def test_too_many_failures_block_even_the_right_password(app, make_staff, backoffice):
    staff = make_staff(StaffRole.SUPPORT)
    _earlier_failures(app, staff, MAX_FAILURES - 1, ["127.0.0.1"])
    client = backoffice()
    last = _password_step(client, staff.email, "Mauvais-Mot-De-Passe-1")
    assert "Adresse e-mail ou mot de passe incorrect." in last.text
    blocked = _password_step(client, staff.email, PASSWORD)
    assert blocked.status_code == 200 and "Trop de tentatives" in blocked.text
    assert client.get("/backoffice/connexion/code").status_code == 302  # no second step
    *_, counted = audit_entries(app, "backoffice.login_failed", actor_label=staff.email)
    assert counted.details["failures"] == MAX_FAILURES
    assert audit_entries(app, "backoffice.login_throttled", actor_label=staff.email)


def test_wrong_codes_count_too_and_end_the_attempt(app, make_staff, backoffice):
    staff = make_staff(StaffRole.SUPPORT)
    client = backoffice()
    _password_step(client, staff.email)
    for _ in range(MAX_FAILURES):
        _code_step(client, "000000" if pyotp.TOTP(staff.totp_secret).now() != "000000" else "1")
    page = client.get("/backoffice/connexion/code")
    token = csrf_token(page.text)
    ended = client.post(
        "/backoffice/connexion/code",
        data={"code": pyotp.TOTP(staff.totp_secret).now(), "csrf_token": token},
    )
    assert ended.status_code == 302 and ended.location.endswith("/backoffice/connexion")
    assert client.get("/backoffice/tableau-de-bord").status_code == 302


def test_login_returns_to_the_page_asked_for(app, make_staff, backoffice):
    staff = make_staff(StaffRole.SUPPORT)
    client = backoffice()
    asked = client.get("/backoffice/comptes?q=durand")
    assert asked.status_code == 302 and "next=" in asked.location
    _password_step(client, staff.email, next_url="/backoffice/comptes%3Fq%3Ddurand")
    page = client.get("/backoffice/connexion/code?next=/backoffice/comptes%3Fq%3Ddurand")
    response = client.post(
        "/backoffice/connexion/code?next=/backoffice/comptes%3Fq%3Ddurand",
        data={"code": pyotp.TOTP(staff.totp_secret).now(), "csrf_token": csrf_token(page.text)},
    )
    assert response.location.endswith("/backoffice/comptes?q=durand")

    elsewhere = backoffice()
    _password_step(elsewhere, staff.email, next_url="https://evil.example/")
    page = elsewhere.get("/backoffice/connexion/code?next=https://evil.example/")
    response = elsewhere.post(
        "/backoffice/connexion/code?next=https://evil.example/",
        data={
            "code": pyotp.TOTP(staff.totp_secret).at(time.time() + 30),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.location.endswith("/backoffice/tableau-de-bord")


def test_logout_ends_the_session_and_is_audited(app, staff_client):
    client, staff = staff_client(StaffRole.SUPPORT)
    page = client.get("/backoffice/tableau-de-bord")
    assert page.status_code == 200 and staff.name in page.text
    response = client.post("/backoffice/deconnexion", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert client.get("/backoffice/tableau-de-bord").status_code == 302
    assert audit_entries(app, "backoffice.logout", actor_label=staff.email)


def test_idle_sessions_and_deactivated_staff_are_logged_out(app, staff_client):
    client, staff = staff_client(StaffRole.SUPPORT)
    with client.session_transaction(base_url="http://backoffice.localhost") as session:
        session["staff_seen"] = time.time() - 31 * 60
    assert client.get("/backoffice/tableau-de-bord").status_code == 302

    client, staff = staff_client(StaffRole.ADMIN)
    assert client.get("/backoffice/tableau-de-bord").status_code == 200
    with app.app_context():
        member = db.session.get(StaffUser, staff.id)
        member.active = False
        member.session_version += 1
        db.session.commit()
    assert client.get("/backoffice/tableau-de-bord").status_code == 302


def test_a_stranger_failing_elsewhere_does_not_lock_the_operator_out(app, make_staff, backoffice):
    staff = make_staff(StaffRole.SUPPORT)
    _earlier_failures(app, staff, MAX_FAILURES, ["203.0.113.9"])
    stranger = _password_step(backoffice(), staff.email, PASSWORD, address="203.0.113.9")
    assert "Trop de tentatives" in stranger.text  # blocked where the failures came from
    operator = _password_step(backoffice(), staff.email, PASSWORD, address="198.51.100.7")
    assert operator.status_code == 302 and "/backoffice/connexion/code" in operator.location


def test_a_hundred_failures_an_hour_block_the_email_from_anywhere(app, make_staff, backoffice):
    staff = make_staff(StaffRole.SUPPORT)
    addresses = [f"203.0.113.{n}" for n in range(1, 26)]  # each under the per-address limit
    _earlier_failures(app, staff, MAX_HOURLY_FAILURES, addresses)
    blocked = _password_step(backoffice(), staff.email, PASSWORD, address="198.51.100.7")
    assert blocked.status_code == 200
    assert "Trop de tentatives infructueuses pour ce compte. Réessayez dans 60 minutes." in (
        blocked.text.replace("&#39;", "'")
    )


def test_a_cookie_captured_before_logout_is_refused_after(app, staff_client, client_for):
    client, staff = staff_client(StaffRole.SUPPORT)
    name, host = app.config["SESSION_COOKIE_NAME"], client.host
    thief = client_for(host)
    thief.set_cookie(name, client.get_cookie(name, domain=host).value, domain=host)
    page = client.get("/backoffice/tableau-de-bord")
    assert thief.get("/backoffice/tableau-de-bord").status_code == 200
    client.post("/backoffice/deconnexion", data={"csrf_token": csrf_token(page.text)})
    assert thief.get("/backoffice/tableau-de-bord").status_code == 302


def test_a_staff_session_ends_twelve_hours_after_login(app, make_staff, backoffice, monkeypatch):
    staff = make_staff(StaffRole.SUPPORT)
    client = backoffice()
    _password_step(client, staff.email)
    _code_step(client, pyotp.TOTP(staff.totp_secret).now())
    assert client.get("/backoffice/tableau-de-bord").status_code == 200
    moment = now()
    monkeypatch.setattr(session_records, "now", lambda: moment + timedelta(hours=12, minutes=1))
    assert client.get("/backoffice/tableau-de-bord").status_code == 302  # however active
