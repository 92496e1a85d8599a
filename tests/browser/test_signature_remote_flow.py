"""A remote signature in a real browser, on a phone (390 × 844) and on a desktop: the signer opens
the link emailed to them (read in the development mailbox), reads the document page by page,
ticks its box, asks for the code, reads it in the development SMS box, types it, signs and sees
the asking plugin's sentence. Nothing is wider than the screen. A screenshot of each step is
kept in /tmp/shots/sig-*.png."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
TITLE = "Résiliation du contrat auto n° 1234567890"
SUCCESS = "Votre lettre de résiliation partira comme prévu le 12 janvier 2027 à AXA France IARD."
BOX = "Je reconnais avoir lu le document et l'accepte sans réserve."
MOBILE = "+33612345678"


def _pdf(title: str, pages: int) -> bytes:
    from weasyprint import HTML

    body = "".join(
        f'<section style="page-break-after: always"><h1>{title}</h1><p>Page {n}. Je soussigné '
        "Camille Durand donne mandat à l'Agence Martin Assurances pour résilier le contrat "
        "n° 1234567890 auprès d'AXA France IARD, pour l'ensemble des risques qu'il couvre.</p>"
        "</section>"
        for n in range(1, pages + 1)
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def _start(app, account_id: int, email: str) -> None:
    """What the asking plugin does: a mandate to sign and conditions to read, emailed."""
    from portal.core import clock
    from portal.core.accounts.models import Account
    from portal.core.signatures import operations
    from portal.core.signatures.providers.base import DocumentRole
    from portal.core.tenants import tenant_scope, unscoped
    from portal.extensions import db

    with app.app_context():
        with unscoped():
            tenant_id = db.session.get(Account, account_id).tenant_id
        with tenant_scope(tenant_id):
            account = db.session.get(Account, account_id)
            operations.create_and_start(
                account=account,
                profile=account.holder_profile,
                owner="browser_test",
                title=TITLE,
                documents=[
                    operations.NewDocument(
                        "Mandat de résiliation",
                        "mandat-resiliation.pdf",
                        _pdf("Mandat de résiliation", 2),
                        acceptance_boxes=(
                            BOX,
                            ("J'accepte de recevoir une copie par e-mail.", False),
                        ),
                    ),
                    operations.NewDocument(
                        "Conditions générales",
                        "conditions-generales.pdf",
                        _pdf("Conditions générales", 1),
                        role=DocumentRole.READ,
                    ),
                ],
                signers=[operations.NewSigner("Camille", "Durand", email, MOBILE)],
                deadline=clock.now() + timedelta(days=3),
                success_message=SUCCESS,
            )
            db.session.commit()


def _no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _shot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"sig-{name}-{width}.png"), full_page=True)


def _open_message(page, base: str, app, text: str) -> str:
    """Open the development mailbox's newest message whose row shows ``text``; its text."""
    from portal.core.jobs import drain

    drain(app)
    page.goto(base + "/_dev/mailbox")
    page.locator("tbody tr", has_text=text).first.get_by_role("link").click()
    return page.locator("pre.devbox__text").first.inner_text()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_client_signs_from_the_emailed_link(browser, live_server, app, browser_account, width):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    email = f"camille.{width}@example.org"
    account_id = browser_account("resilimo", f"agent.{width}@agence-martin.fr", "Martin-2024!ok")
    _start(app, account_id, email)
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # The invitation, in the development mailbox: its link, on this server.
        text = _open_message(page, base, app, email)
        link = re.search(r"https?://[^\s]+/signature/[A-Za-z0-9_-]+", text).group(0)
        page.goto(base + re.sub(r"^https?://[^/]+", "", link))

        # Who asks, what, until when, the steps.
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(page.locator("main")).to_contain_text("Agence Martin Assurances vous invite")
        expect(page.locator("[data-deadline]")).to_contain_text(
            "La signature doit être réalisée avant le"
        )
        _no_horizontal_scroll(page, width)
        _shot(page, "1-home", width)
        page.get_by_role("link", name="Commencer").click()

        # The mandate, page by page, then its box.
        expect(page.get_by_role("heading", level=1)).to_have_text("Mandat de résiliation")
        first = page.get_by_role("img", name="Page 1 sur 2")
        expect(first).to_be_visible()
        for number in (1, 2):
            image = page.get_by_role("img", name=f"Page {number} sur 2")
            image.scroll_into_view_if_needed()
            expect(image).to_have_js_property("naturalWidth", 1000)
        page.evaluate("window.scrollTo(0, 0)")
        _no_horizontal_scroll(page, width)
        _shot(page, "2-document", width)
        page.get_by_role("button", name="Suivant").click()
        expect(page.locator(".sig-boxes .field .error")).to_have_text(
            "Cochez cette case pour continuer."
        )
        _shot(page, "3-box-missing", width)
        page.get_by_label(re.compile("Je reconnais avoir lu le document")).check()
        page.get_by_role("button", name="Suivant").click()

        # The conditions, to read only.
        expect(page.get_by_role("heading", level=1)).to_have_text("Conditions générales")
        page.get_by_role("button", name="J'ai lu ce document").click()

        # The summary, then the code by SMS.
        expect(page.get_by_role("heading", level=1)).to_have_text("Signer")
        expect(page.locator(".sig-summary")).to_contain_text(BOX)
        _no_horizontal_scroll(page, width)
        _shot(page, "4-sign", width)
        page.get_by_role("button", name="Recevoir le code par SMS").click()
        expect(page.locator(".flash--success")).to_have_text(
            "Un code a été envoyé au +33 6 •• •• •• 78."
        )
        code_field = page.get_by_label("Code reçu par SMS")
        expect(code_field).to_have_attribute("autocomplete", "one-time-code")
        expect(code_field).to_have_attribute("inputmode", "numeric")
        _no_horizontal_scroll(page, width)
        _shot(page, "5-code-sent", width)
        sign_url = page.url

        # The signer reads the SMS (the development SMS box stands for their phone).
        sms = _open_message(page, base, app, "Votre code de signature")
        code = re.search(r"\b(\d{6})\b", sms).group(1)
        page.goto(sign_url)
        wrong = "000000" if code != "000000" else "111111"
        page.get_by_label("Code reçu par SMS").fill(wrong)
        page.get_by_role("button", name="Signer", exact=True).click()
        expect(page.locator("#sign-code-error")).to_have_text(
            "Ce code n'est pas le bon. Il vous reste 4 essais."
        )
        _no_horizontal_scroll(page, width)
        _shot(page, "6-wrong-code", width)
        page.get_by_label("Code reçu par SMS").fill(code)
        page.get_by_role("button", name="Signer", exact=True).click()

        # Done: the plugin's sentence and what happens next.
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre signature est enregistrée")
        expect(page.locator("[data-success-message]")).to_have_text(SUCCESS)
        _no_horizontal_scroll(page, width)
        _shot(page, "7-done", width)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_refusing_and_a_dead_link(browser, live_server, app, browser_account, width):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    email = f"dominique.{width}@example.org"
    account_id = browser_account("resilimo", f"agent2.{width}@agence-martin.fr", "Martin-2024!ok")
    _start(app, account_id, email)
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        text = _open_message(page, base, app, email)
        path = re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+/signature/\S+", text)[0])
        page.goto(base + path)
        page.get_by_role("link", name="Refuser de signer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Refuser de signer")
        page.get_by_role("button", name="Refuser de signer").click()
        expect(page.locator("#reason-error")).to_have_text("Indiquez la raison de votre refus.")
        _no_horizontal_scroll(page, width)
        _shot(page, "8-decline-errors", width)
        page.get_by_label("Pourquoi refusez-vous de signer ?").fill(
            "Je préfère garder mon contrat actuel."
        )
        page.get_by_label(re.compile("Je confirme refuser de signer")).check()
        page.get_by_role("button", name="Refuser de signer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre refus est enregistré")
        _no_horizontal_scroll(page, width)
        _shot(page, "9-declined", width)
        # A link that does not exist (or no longer does).
        response = page.goto(base + "/signature/" + "x" * 43)
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Ce lien de signature n'est plus valide"
        )
        _no_horizontal_scroll(page, width)
        _shot(page, "10-dead-link", width)
    finally:
        context.close()
