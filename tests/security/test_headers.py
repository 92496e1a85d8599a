"""Security headers on every page: a CSP without inline script, no framing, no sniffing, a
referrer policy; HSTS and a ``__Host-`` session cookie when the portal runs over HTTPS."""

from __future__ import annotations

import re

import pytest

from portal import create_app

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)

# Tenant pages with forms and scripts (the message counter, the letterhead preview).
ANONYMOUS_PAGES = ("/", "/connexion", "/inscription", "/contact")
ACCOUNT_PAGES = ("/compte/", "/compte/entete", "/messagerie/aide/nouvelle")


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )


def assert_walled(response) -> None:
    csp = csp_of(response)
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert not INLINE_SCRIPT.search(response.get_data(as_text=True))


def test_tenant_pages_carry_the_headers_and_no_inline_script(client_for, make_account, logged_in):
    client = client_for("resilimo")
    for path in ANONYMOUS_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_walled(response)
    assert_walled(client.get("/no-such-page"))  # error pages too
    account_client = logged_in(make_account())
    for path in ACCOUNT_PAGES:
        response = account_client.get(path)
        assert response.status_code == 200, path
        assert_walled(response)


def test_a_pdf_shown_in_the_browser_keeps_only_the_framing_rule(make_account, logged_in):
    response = logged_in(make_account()).get("/compte/entete/apercu.pdf")
    assert response.mimetype == "application/pdf"
    # Chrome's viewer is an <embed> under the PDF's own policy: object-src 'none' would block it.
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_back_office_pages_cannot_be_framed(backoffice, staff_client):
    assert_walled(backoffice().get("/backoffice/connexion"))
    client, _staff = staff_client()
    assert_walled(client.get("/backoffice/"))


def test_over_plain_http_no_hsts_and_a_plain_cookie_name(client_for):
    response = client_for("resilimo").get("/connexion")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Set-Cookie"].startswith("session=")


@pytest.fixture
def secure_app(app, app_config):
    return create_app({**app_config, "SESSION_COOKIE_SECURE": True})


def test_over_https_hsts_and_a_host_only_secure_session_cookie(secure_app):
    response = secure_app.test_client().get("/connexion", base_url="https://resilimo.localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes and "path=/" in attributes
    assert not any(part.startswith("domain=") for part in attributes)
