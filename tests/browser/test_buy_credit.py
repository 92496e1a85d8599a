"""Buying credit in a real browser: amount, the bank's card page, 3-D Secure, back with the
credit (and its receipt on the billing page)."""

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


def test_buy_30_euros_with_3d_secure_and_see_the_credit(page, live_server, account):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    page.goto(base + "/compte/credits")
    expect(page.locator("[data-balance]")).to_contain_text(
        "Soit 0 Lettre recommandée électronique avec accusé de réception (LRAR) ou 0"
    )
    page.get_by_label("Montant").select_option("3000")
    page.get_by_role("button", name="Acheter des crédits").click()

    # The bank's page: its own look, no portal menu.
    assert "/_sandbox/banque/" in page.url
    expect(page.get_by_role("heading", name="Informations de la carte")).to_be_visible()
    expect(page.locator("[data-current-profile]")).to_have_count(0)
    page.get_by_label("Visa").check()
    page.get_by_label("Numéro de carte").fill("4000 0000 0000 3220")
    page.get_by_label("Mois d'expiration").select_option("12")
    page.get_by_label("Année d'expiration").select_option(str(date.today().year + 2))
    page.get_by_label("Cryptogramme visuel").fill("123")
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Authentification 3-D Secure")).to_be_visible()
    page.get_by_label("Code reçu par SMS").fill("123456")
    page.get_by_role("button", name="Valider").click()

    expect(page.locator("[data-payment-result='succeeded']")).to_contain_text(
        "votre crédit est de 30,00"
    )
    expect(page.locator("[data-balance]")).to_contain_text("30,00")

    page.get_by_role("link", name="Page de facturation").click()
    expect(page.locator("[data-table='receipts'] tbody tr")).to_have_count(1)
    expect(page.locator("[data-table='receipts'] tbody tr")).to_contain_text("30,00")
