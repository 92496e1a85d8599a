"""The look of each demo tenant in a real browser: the visitor's home and a logged-in dashboard at
desktop (1280 px) and phone (390 px) widths — a screenshot of each, nothing wider than a phone's
screen, and no WCAG 2.1 AA violation found by axe-core; then the account area's pages on a phone.

Screenshots are kept in pytest's temporary folder (``--basetemp`` to choose it) to be looked at.
"""

from __future__ import annotations

import pytest
from browserkit import axe_violations, log_in

pytestmark = pytest.mark.browser

PASSWORD = "Apparence-Portail-2024!"  # noqa: S105 - a test account's password, it meets the policy
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The account each demo tenant's users have: an agency, a sales agent, a farmer member.
ACCOUNTS = {
    "resilimo": {"email": "paul.martin@agence-martin.fr"},
    "horizon": {"email": "claire.durand@horizon-conseil.fr", "commercial_name": "Cabinet Durand"},
    "msr": {
        "email": "marie.lefevre@exploitation-lefevre.fr",
        "category": "farmer",
        "first_name": "Marie",
        "last_name": "Lefèvre",
        "mobile": "+33612345678",
    },
}

# The account area's pages of each tenant's users (those their menus link to).
ACCOUNT_PAGES = {
    "resilimo": [
        "/compte/",
        "/compte/coordonnees",
        "/compte/entete",
        "/compte/utilisateurs",
        "/compte/utilisateurs/nouveau",
        "/compte/credits",
        "/compte/facturation",
        "/compte/cloture",
        "/compte/verification/",
        "/compte/verification/identite",
        "/compte/verification/justificatifs",
        "/compte/verification/mandat",
        "/signatures/",
        "/mot-de-passe/modifier",
        "/messagerie/aide",
        "/messagerie/aide/nouvelle",
        "/resiliation/",
        "/paper-mail/",
        "/emprunteur/",
        "/contact",
    ],
    "horizon": [
        "/compte/",
        "/compte/coordonnees",
        "/compte/cloture",
        "/mot-de-passe/modifier",
        "/souscription/",
        "/souscription/portefeuille?nom=%25",
        "/souscription/portefeuille/devis",
        "/souscription/vente-directe",
        "/souscription/devis/nouveau?product=horizon-monde",
        "/contact",
    ],
    "msr": [
        "/compte/",
        "/compte/coordonnees",
        "/compte/cloture",
        "/mot-de-passe/modifier",
        "/secure-messaging/",
        "/secure-messaging/messages/",
        "/secure-messaging/messages/nouveau",
        "/secure-messaging/documents",
        "/contact",
    ],
}

# The visitor's pages that are not behind a login (horizon invites its agents: no sign-up).
VISITOR_PAGES = {
    "resilimo": ["/", "/connexion", "/inscription", "/mot-de-passe/oublie", "/contact"],
    "horizon": [
        "/",
        "/connexion",
        "/mot-de-passe/oublie",
        "/contact",
        "/souscription/espace-client",
    ],
    "msr": ["/", "/connexion", "/inscription", "/mot-de-passe/oublie", "/contact"],
}


@pytest.fixture
def account_for(browser_account):
    def make(slug: str) -> str:
        fields = dict(ACCOUNTS[slug])
        email = fields.pop("email")
        browser_account(slug, email, PASSWORD, **fields)
        return email

    return make


@pytest.fixture
def open_page(browser):
    """``open_page(viewport)`` → a page in a fresh context of that size (closed after the test)."""
    contexts = []

    def make(viewport):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        new = context.new_page()
        new.set_default_timeout(10_000)
        return new

    yield make
    for context in contexts:
        context.close()


def overflow(page) -> str | None:
    """``None`` when the page is no wider than the window; else what sticks out, for the message."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth <= width) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))
            .slice(0, 8);
          return document.documentElement.scrollWidth + 'px > ' + width + 'px: ' + wide.join(', ');
        }"""
    )


def stray_required_marks(page) -> list[str]:
    """The required-field marks (*) that do not sit on their label's (last) line."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.field .required')].filter(mark => {
          if (!mark.getClientRects().length) return false;  // a field hidden until it applies
          const label = mark.closest('label, legend') || mark.previousElementSibling;
          if (!label) return true;
          const lines = label.getClientRects();
          const last = lines[lines.length - 1], box = mark.getBoundingClientRect();
          return !last || Math.abs(box.bottom - last.bottom) > 6;
        }).map(mark => (mark.closest('.field').querySelector('label, legend') || {}).textContent)"""
    )


def check_look(page, shot) -> None:
    page.screenshot(path=str(shot), full_page=True)
    if page.viewport_size["width"] <= PHONE["width"]:
        assert overflow(page) is None, f"{page.url} is wider than the phone: {overflow(page)}"
    violations = axe_violations(page)
    assert not violations, f"{page.url} at {page.viewport_size['width']} px: {violations}"


@pytest.mark.parametrize("slug", ["resilimo", "horizon", "msr"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_and_dashboard_look_finished(
    slug, viewport, open_page, live_server, account_for, tmp_path
):
    email = account_for(slug)
    base = live_server.format(host=f"{slug}.localhost")
    page = open_page(viewport)
    width = viewport["width"]

    response = page.goto(base + "/")
    assert response is not None and response.status == 200
    check_look(page, tmp_path / f"{slug}-home-{width}.png")

    log_in(page, base, email, PASSWORD)
    page.wait_for_load_state()
    response = page.goto(base + "/")
    assert response is not None and response.status == 200
    assert page.locator("form[action$='/deconnexion'], .user-box").count(), "not logged in"
    check_look(page, tmp_path / f"{slug}-dashboard-{width}.png")


@pytest.mark.parametrize("slug", ["resilimo", "horizon", "msr"])
def test_every_page_fits_a_phone(slug, open_page, live_server, account_for, tmp_path):
    """The visitor's pages and the account area's, at 390 px: no wider than the screen, no
    WCAG 2.1 AA violation, every required-field mark on its label's line."""
    email = account_for(slug)
    base = live_server.format(host=f"{slug}.localhost")
    page = open_page(PHONE)
    too_wide = {}
    for path in VISITOR_PAGES[slug]:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, f"{path}: {response.status}"
        if problem := overflow(page):
            too_wide[path] = problem
    log_in(page, base, email, PASSWORD)
    page.wait_for_load_state()
    for path in ACCOUNT_PAGES[slug]:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, f"{path}: {response.status}"
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(tmp_path / f"{slug}-{name}-390.png"), full_page=True)
        if problem := overflow(page):
            too_wide[path] = problem
        if violations := axe_violations(page):
            too_wide[path] = f"WCAG 2.1 AA: {violations}"
        if stray := stray_required_marks(page):
            too_wide[path] = f"required marks away from their labels: {stray}"
    assert not too_wide, too_wide


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """The WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("slug", ["resilimo", "horizon", "msr"])
def test_brand_colours_are_readable(slug):
    """Text on the header, links and body text of each tenant's brand reach WCAG AA (4.5:1)."""
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tenants" / slug / "tenant.toml"
    brand = tomllib.loads(path.read_text())["brand"]
    background = brand.get("background", "#ffffff")
    text = brand.get("text", "#1f2933")
    assert contrast(brand.get("primary_text", "#ffffff"), brand["primary"]) >= 4.5
    assert contrast(brand["primary"], background) >= 4.5  # links and titles
    assert contrast(brand["primary"], "#ffffff") >= 4.5  # links on cards
    assert contrast(text, background) >= 4.5


LONG_EMAIL = "jean-christophe.de-la-fontaine-saint-aubin@cabinet-assurances-vallee-du-rhone.fr"


def test_long_words_wrap_on_a_phone(open_page, live_server, browser_account):
    """A long email address and company name wrap instead of widening the page."""
    browser_account(
        "resilimo",
        LONG_EMAIL,
        PASSWORD,
        commercial_name="Cabinet-d'assurances-de-la-vallée-du-Rhône-et-de-ses-affluents",
        address="Résidence-Les-Hauts-de-Saint-Aubin-sur-Rhône, bâtiment B",
    )
    base = live_server.format(host="resilimo.localhost")
    page = open_page(PHONE)
    log_in(page, base, LONG_EMAIL, PASSWORD)
    page.wait_for_load_state()
    too_wide = {}
    for path in ["/", "/compte/", "/compte/coordonnees", "/compte/utilisateurs", "/compte/entete"]:
        page.goto(base + path)
        if problem := overflow(page):
            too_wide[path] = problem
    assert not too_wide, too_wide
