"""Two tenants side by side in a real browser: each its own brand and its own language."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"

EXPECTED = {
    # slug: (skip link, footer link, welcome title)
    "resilimo": ("Aller au contenu", "Mentions légales", "Bienvenue sur Résilimo"),
    "horizon": ("Skip to content", "Legal notice", "Welcome to Horizon Solutions+"),
}


def tenant_toml(slug: str) -> dict:
    with (TENANTS_DIR / slug / "tenant.toml").open("rb") as fileobj:
        return tomllib.load(fileobj)


def hex_to_rgb(colour: str) -> str:
    """``#14365d`` → ``rgb(20, 54, 93)``, as getComputedStyle reports it."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def test_hex_to_rgb():
    assert hex_to_rgb("#14365d") == "rgb(20, 54, 93)"
    assert hex_to_rgb("#fff") == "rgb(255, 255, 255)"


@pytest.mark.parametrize("slug", ["resilimo", "horizon"])
def test_each_tenant_shows_its_brand_and_language(slug, page, live_server, tmp_path):
    from playwright.sync_api import expect

    config = tenant_toml(slug)
    skip_text, legal_text, welcome = EXPECTED[slug]
    url = live_server.format(host=f"{slug}.localhost") + "/"

    response = page.goto(url)
    assert response is not None and response.status == 200
    page.screenshot(path=str(tmp_path / f"{slug}.png"), full_page=True)

    # brand
    logo = page.locator("header img.brand__logo")
    expect(logo).to_have_attribute("alt", config["name"])
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    header_bg = page.locator("header.site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header_bg == hex_to_rgb(config["brand"]["primary"])
    expect(page).to_have_title(f"{'Accueil' if slug == 'resilimo' else 'Home'} · {config['name']}")

    # language
    assert page.locator("html").get_attribute("lang") == config["default_locale"]
    expect(page.get_by_role("heading", level=1)).to_have_text(welcome)
    expect(page.locator("footer").get_by_role("link", name=legal_text)).to_be_visible()
    page.keyboard.press("Tab")  # the skip link is the first stop and shows itself on focus
    focused = page.locator(":focus")
    expect(focused).to_have_text(skip_text)
    box = focused.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0


def test_two_tenants_differ_and_the_language_choice_sticks(page, live_server, tmp_path):
    from playwright.sync_api import expect

    resilimo = live_server.format(host="resilimo.localhost") + "/"
    horizon = live_server.format(host="horizon.localhost") + "/"

    page.goto(resilimo)
    resilimo_bg = page.locator("header.site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    page.goto(horizon)
    horizon_bg = page.locator("header.site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert resilimo_bg != horizon_bg
    expect(page.locator("body")).not_to_contain_text("Résilimo")

    # horizon (English by default) switched to French through its language menu
    page.locator("nav.languages").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("footer")).to_contain_text("Mentions légales")
    page.screenshot(path=str(tmp_path / "horizon-fr.png"), full_page=True)
    page.goto(horizon)  # no ?lang=: the session cookie keeps French
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # resilimo switched to English: its own choice, which does not leak to horizon's session
    page.goto(resilimo + "?lang=en")
    expect(page.locator("footer")).to_contain_text("Legal notice")
    page.goto(resilimo)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(horizon)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
