"""Who reaches the back office: staff only, on its own host only; admins only for admin pages;
CSRF on every form."""

from __future__ import annotations

import time

import pytest
from bokit import BACKOFFICE, make_account

from portal.core.backoffice.models import StaffRole

ADMIN_PAGES = ["/backoffice/tenants", "/backoffice/tenants/resilimo", "/backoffice/journal"]
SUPPORT_PAGES = [
    "/backoffice/tableau-de-bord",
    "/backoffice/inscriptions",
    "/backoffice/comptes",
    "/backoffice/invitations",
]


def test_support_cannot_open_admin_pages_and_does_not_see_them_in_the_menu(staff_client):
    client, _ = staff_client(StaffRole.SUPPORT)
    for url in SUPPORT_PAGES:
        assert client.get(url).status_code == 200, url
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "réservée aux administrateurs" in response.text
    menu = client.get("/backoffice/tableau-de-bord").text
    assert "Journal d&#39;audit" not in menu and "/backoffice/tenants" not in menu


def test_admin_opens_every_page(staff_client):
    client, _ = staff_client(StaffRole.ADMIN)
    for url in SUPPORT_PAGES + ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_login_page(backoffice):
    client = backoffice()
    assert client.get("/").location.endswith("/backoffice/")
    for url in SUPPORT_PAGES + ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/backoffice/connexion" in response.location, url


@pytest.mark.parametrize(
    "url",
    [
        "/backoffice/",
        "/backoffice/connexion",
        "/backoffice/favicon.svg",
        "/backoffice/backoffice.css",
        *SUPPORT_PAGES,
    ],
)
def test_back_office_pages_do_not_exist_on_a_tenant_host(client_for, url):
    response = client_for("resilimo").get(url)
    assert response.status_code == 404
    assert "Espace opérateurs" not in response.text and "Back office" not in response.text


@pytest.mark.parametrize("url", ["/connexion", "/compte/", "/_dev/mailbox"])
def test_tenant_pages_do_not_exist_on_the_back_office_host(backoffice, url):
    assert backoffice().get(url).status_code == 404


def test_an_agents_session_cookie_gives_no_back_office_access(app, client_for, tenant_ids):
    with app.app_context():
        account_id = make_account(tenant_ids["resilimo"])
    agent = client_for("resilimo")
    with agent.session_transaction(base_url="http://resilimo.localhost") as session:
        session["_user_id"] = f"{account_id}:1"
        session["_fresh"] = True
        session["last_seen"] = time.time()
    cookie = agent.get_cookie("session", domain="resilimo.localhost")
    assert cookie is not None

    thief = client_for(BACKOFFICE)
    thief.set_cookie("session", cookie.value, domain=BACKOFFICE)
    response = thief.get("/backoffice/tableau-de-bord")
    assert response.status_code == 302 and "/backoffice/connexion" in response.location


def test_a_staff_session_without_the_second_factor_opens_nothing(app, make_staff, client_for):
    staff = make_staff(StaffRole.ADMIN)
    client = client_for(BACKOFFICE)
    with client.session_transaction(base_url=f"http://{BACKOFFICE}") as session:
        session["staff_id"] = staff.id
        session["staff_version"] = staff.session_version
        session["staff_2fa"] = False
        session["staff_seen"] = time.time()
    assert client.get("/backoffice/tableau-de-bord").status_code == 302


def _backoffice_post_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("backoffice.") and "POST" in (rule.methods or ())
    ]


def test_every_back_office_form_needs_its_csrf_token(app, staff_client, tenant_ids):
    with app.app_context():
        account_id = make_account(tenant_ids["msr"], status="pending_approval")
    client, _ = staff_client(StaffRole.ADMIN)
    routes = _backoffice_post_routes(app)
    assert {r.endpoint for r in routes} >= {
        "backoffice.login",
        "backoffice.totp",
        "backoffice.logout",
        "backoffice.signup_approve",
        "backoffice.signup_reject",
        "backoffice.invite",
    }
    for rule in routes:
        values = {name: account_id if name == "account_id" else 1 for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data={**data, "reason": "x"})
            assert response.status_code == 400, (url, data)
            assert "Traceback" not in response.text
    assert client.get("/backoffice/tableau-de-bord").status_code == 200  # still logged in
