"""PORTAL_MODE: production refuses sandboxes, development tools exist only in development or
demo mode, and a demo says so on every page."""

from __future__ import annotations

import re

import pytest
from webkit import devbox

from portal import create_app
from portal.core import identity
from portal.core.bootstrap import SandboxInProduction

# Every provider a real one: what a production deployment configures.
REAL_PROVIDERS = {
    "PORTAL_MAIL": "smtp",
    "PORTAL_SMS": "http",
    "PORTAL_SMS_HTTP_URL": "https://sms.example.test/send",
    "PORTAL_IDENTITY": "idnow",
    "PORTAL_LRE_OPERATOR": "ar24",
    "PORTAL_PAYMENT": "bank",
    "PORTAL_ANTIVIRUS": "clamd",
    "PORTAL_TSA": "http",
    "PORTAL_TSA_URL": "https://tsa.example.test/rfc3161",
    "PORTAL_SIGNING_P12": "/etc/portal/seal.p12",
    "PORTAL_PAPER_OPERATOR": "maileva",
}

DEVELOPMENT_PAGES = (
    "/_dev/mailbox",
    "/_sandbox/banque/ref-1",
    "/_sandbox/identite/ref-1",
    "/_sandbox/lre/ref-1",
    "/_sandbox/courrier/ref-1",
)


@pytest.fixture
def real_identity_provider(monkeypatch):
    """A stand-in for a real identity provider, so that production can start."""
    monkeypatch.setitem(identity.PROVIDERS, "idnow", object)


def test_production_refuses_to_start_with_a_sandbox_and_names_each_setting(app_config):
    with pytest.raises(SandboxInProduction) as refused:
        create_app({**app_config, "PORTAL_MODE": "production"})
    message = str(refused.value)
    for setting in ("PORTAL_MAIL=dev", "PORTAL_SMS=dev", "PORTAL_IDENTITY=sandbox"):
        assert setting in message
    assert "PORTAL_PAYMENT=sandbox" in message
    assert "PORTAL_ANTIVIRUS=dev" in message
    assert "PORTAL_TSA=sandbox" in message
    assert "PORTAL_SIGNING_P12 (unset: sandbox sealing keys)" in message


def test_one_sandbox_left_is_enough_to_refuse(app_config, real_identity_provider):
    config = {**app_config, **REAL_PROVIDERS, "PORTAL_MODE": "production", "PORTAL_MAIL": "dev"}
    with pytest.raises(SandboxInProduction, match="PORTAL_MAIL=dev") as refused:
        create_app(config)
    assert "PORTAL_SMS" not in str(refused.value)


def test_production_is_the_default_mode(app_config):
    config = {key: value for key, value in app_config.items() if key != "PORTAL_MODE"}
    with pytest.raises(SandboxInProduction):
        create_app(config)


def test_an_unknown_mode_is_refused(app_config):
    with pytest.raises(ValueError, match="PORTAL_MODE"):
        create_app({**app_config, "PORTAL_MODE": "staging"})


def test_in_production_the_development_pages_do_not_exist(app, app_config, real_identity_provider):
    production = create_app({**app_config, **REAL_PROVIDERS, "PORTAL_MODE": "production"})
    client = production.test_client()
    for path in DEVELOPMENT_PAGES:
        assert client.get(path, base_url="http://resilimo.localhost").status_code == 404, path
    home = client.get("/", base_url="http://resilimo.localhost").get_data(as_text=True)
    assert "/_dev/mailbox" not in home
    assert "data-demo-banner" not in home


def test_in_development_the_mailbox_answers_without_a_banner(client_for):
    page = client_for("resilimo").get("/_dev/mailbox")
    assert page.status_code == 200
    assert "data-demo-banner" not in page.get_data(as_text=True)


def test_a_demo_keeps_its_sandboxes_and_says_so_on_every_page(app, app_config):
    demo = create_app({**app_config, "PORTAL_MODE": "demo"})
    client = demo.test_client()
    for host, path in (
        ("resilimo.localhost", "/"),
        ("msr.localhost", "/connexion"),
        ("resilimo.localhost", "/_dev/mailbox"),
        (demo.config["PORTAL_BACKOFFICE_HOST"], "/backoffice/connexion"),
    ):
        page = client.get(path, base_url=f"http://{host}")
        assert page.status_code == 200, (host, path)
        assert "Portail de démonstration" in page.get_data(as_text=True), (host, path)


def test_a_reset_link_is_on_the_tenants_address_never_on_the_requests_host(
    app, make_account, client_for, post_form
):
    account = make_account()
    client = client_for("resilimo.localhost:6666")
    response = post_form(client, "/mot-de-passe/oublie", {"email": account.email})
    assert response.status_code == 302
    (email,) = devbox(app, account.tenant_id, "email")
    links = re.findall(r"https?://[^/\s]+/mot-de-passe/reinitialiser/", email.body_text)
    assert links == ["https://portail.resilimo.test/mot-de-passe/reinitialiser/"]
    assert "6666" not in email.body_text
