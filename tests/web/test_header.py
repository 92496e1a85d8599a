"""The header of every page: the account's credit at the top right where credit exists (JRMC
FAQ), a main menu that collapses on a phone without JavaScript, and the development mailbox
reached from a discreet banner rather than the menu."""

from __future__ import annotations

import re

import pytest
from webkit import text_of

from portal import create_app

MEMBER = {"category": "individual", "commercial_name": "", "orias": None}


def header_of(page: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', page, re.S).group(0)


def main_menu_of(page: str) -> str:
    return re.search(r'<nav class="main-menu".*?</nav>', page, re.S).group(0)


@pytest.mark.parametrize("path", ["/", "/compte/", "/resiliation/", "/compte/credits"])
def test_an_agency_sees_its_credit_at_the_top_of_every_page(app, make_account, logged_in, path):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    agent = make_account("resilimo")
    with app.app_context(), tenant_scope(agent.tenant_id):
        adjust(
            db.session.get(Account, agent.id),
            1234,
            reason="t",
            idempotency_key="h",
            actor_label="t",
        )
        db.session.commit()
    header = header_of(text_of(logged_in(agent).get(path)))
    badge = re.search(r"<a class=\"credit-badge\"[^>]*>.*?</a>", header, re.S).group(0)
    assert 'href="/compte/credits"' in badge  # « Achat de crédits »
    assert "12,34\xa0€" in badge


@pytest.mark.parametrize(("slug", "fields"), [("msr", MEMBER), ("horizon", {})])
def test_no_credit_badge_where_accounts_have_no_credit(make_account, logged_in, slug, fields):
    client = logged_in(make_account(slug, email=f"compte@{slug}.fr", **fields))
    for path in ("/", "/compte/"):
        assert "data-credit-badge" not in text_of(client.get(path))


def test_a_visitor_has_no_credit_badge(client_for):
    assert "data-credit-badge" not in text_of(client_for("resilimo").get("/"))


@pytest.mark.parametrize("slug", ["resilimo", "msr", "horizon"])
def test_the_main_menu_collapses_behind_a_menu_button_without_script(client_for, slug):
    page = text_of(client_for(slug).get("/?lang=fr"))
    header = header_of(page)
    toggle = re.search(r'<details class="menu-toggle">(.*?)</details>', header, re.S).group(1)
    assert re.search(r"<summary[^>]*>.*Menu</summary>", toggle, re.S)
    assert '<nav class="main-menu" aria-label="Menu principal">' in toggle
    assert "<script" not in header and "onclick" not in header


@pytest.mark.parametrize("slug", ["resilimo", "msr", "horizon"])
def test_the_development_mailbox_is_in_the_banner_not_the_menu(client_for, slug):
    page = text_of(client_for(slug).get("/?lang=fr"))
    assert "/_dev/mailbox" not in main_menu_of(page)
    banner = re.search(r"<p class=\"dev-banner\"[^>]*>.*?</p>", page, re.S).group(0)
    assert 'href="/_dev/mailbox">Boîte e-mail de développement</a>' in banner


def test_no_development_banner_without_the_mailbox(app_config):
    other = create_app(
        {
            **app_config,
            "PORTAL_MAIL": "smtp",
            "PORTAL_SMS": "http",
            "PORTAL_SMS_HTTP_URL": "http://127.0.0.1:9/sms",
        }
    )
    page = other.test_client().get("/", base_url="http://resilimo.localhost").get_data(as_text=True)
    assert "Résilimo" in page
    assert "data-dev-banner" not in page and "/_dev/mailbox" not in page
