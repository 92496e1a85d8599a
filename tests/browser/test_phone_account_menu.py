"""On a phone the account menu folds behind « Mon compte — menu » so the page comes first (no
JavaScript); on a wide screen it is always open. The characters-left counter speaks French
plurals (« 0 caractère restant ») and English ones (« 0 characters left »)."""

from __future__ import annotations

import pytest
from browserkit import log_in

pytestmark = pytest.mark.browser

EMAIL = "paul@agence-martin.fr"
PASSWORD = "Martin-Agence-2024!"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_account_menu_folds_on_a_phone_only(browser, live_server, browser_account, width):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    browser_account("resilimo", f"{width}.{EMAIL}", PASSWORD)
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        log_in(page, base, f"{width}.{EMAIL}", PASSWORD)
        page.goto(base + "/compte/facturation")
        summary = page.locator(".account-nav summary")
        billing = page.locator(".account-nav").get_by_role("link", name="Facturation")
        if width < 768:
            expect(summary).to_have_text("Mon compte — menu")
            expect(billing).to_be_hidden()
            # The page's own title is on the first screen, above the fold.
            title = page.get_by_role("heading", name="Facturation", level=1)
            assert title.bounding_box()["y"] < 844
            summary.click()
            expect(billing).to_be_visible()
            expect(billing).to_have_attribute("aria-current", "page")
            billing.click()
            expect(page).to_have_url(base + "/compte/facturation")
        else:
            expect(summary).to_be_hidden()
            expect(billing).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize(
    ("lang", "zero", "one"),
    [
        ("fr", "0 caractère restant.", "1 caractère restant."),
        ("en", "0 characters left.", "1 character left."),
    ],
)
def test_the_counter_uses_the_plurals_of_the_page_language(page, live_server, lang, zero, one):
    from playwright.sync_api import expect

    page.goto(live_server.format(host="resilimo.localhost") + f"/contact?lang={lang}")
    area = page.locator("textarea[data-msg-counter]")
    limit = int(area.get_attribute("data-msg-max"))
    counter = page.locator(".msg-counter")
    area.fill("x" * limit)
    expect(counter).to_have_text(zero)
    area.fill("x" * (limit - 1))
    expect(counter).to_have_text(one)
