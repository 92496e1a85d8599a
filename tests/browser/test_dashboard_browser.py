"""The dashboard in a real browser: an agent logs in, is invited to the eIDAS verification
(« Plus tard » puts it off), buys credit from the dashboard's card and finds it at the top right
of every page; on a phone the main menu opens from « Menu », with the keyboard too."""

from __future__ import annotations

from datetime import date

import pytest
from browserkit import log_in

pytestmark = pytest.mark.browser

EMAIL = "paul.martin@agence-martin.fr"
PASSWORD = "Martin-Agence-2024!"  # noqa: S105 - a test account's password, it meets the policy


@pytest.fixture
def account(browser_account):
    return browser_account("resilimo", EMAIL, PASSWORD)


def test_an_agent_buys_credit_from_the_dashboard(page, live_server, account):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    invitation = page.locator("[data-widget='verification.identity']")
    expect(invitation).to_contain_text("14,40")
    invitation.get_by_role("button", name="Plus tard").click()
    expect(page.locator("[data-widget='verification.identity']")).to_have_count(0)
    expect(page.locator("[data-credit-badge]")).to_contain_text("0,00")

    page.locator("[data-widget='credits.balance']").get_by_role(
        "link", name="Acheter des crédits"
    ).click()
    page.get_by_label("Montant").select_option("3000")
    page.get_by_role("button", name="Acheter des crédits").click()
    page.get_by_label("Visa").check()
    page.get_by_label("Numéro de carte").fill("4000 0000 0000 3220")
    page.get_by_label("Mois d'expiration").select_option("12")
    page.get_by_label("Année d'expiration").select_option(str(date.today().year + 2))
    page.get_by_label("Cryptogramme visuel").fill("123")
    page.get_by_role("button", name="Valider").click()
    page.get_by_label("Code reçu par SMS").fill("123456")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("[data-payment-result='succeeded']")).to_be_visible()

    expect(page.locator("[data-credit-badge]")).to_contain_text("30,00")
    page.get_by_role("link", name="Accueil").first.click()
    expect(page.locator("[data-widget='credits.balance'] [data-balance]")).to_contain_text("30,00")
    readiness = page.locator("[data-widget='verification.readiness']")
    expect(readiness.locator("[data-code='credits.balance']")).to_have_count(0)


def test_on_a_phone_the_menu_opens_from_its_button(browser, live_server):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.format(host="resilimo.localhost") + "/")
        menu_link = page.locator(".main-menu").get_by_role("link", name="Résiliation")
        expect(menu_link).to_be_hidden()
        page.locator("summary", has_text="Menu").focus()
        page.keyboard.press("Enter")
        expect(menu_link).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_is_always_shown(page, live_server):
    from playwright.sync_api import expect

    page.goto(live_server.format(host="resilimo.localhost") + "/")
    expect(page.locator(".main-menu").get_by_role("link", name="Résiliation")).to_be_visible()
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
