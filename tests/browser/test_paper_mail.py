"""A paper mail in a real browser (issue « Paper mail », done when): two files uploaded, put in
order by dragging, stapled, previewed as they will be printed, sent, then handed to the sandbox
printer."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from browserkit import log_in
from papermailkit import give_credit, letter_pdf
from sendkit import run_periodic

pytestmark = pytest.mark.browser

EMAIL = "claire.petit@agence-petit.fr"
PASSWORD = "Petit-Agence-2024!"  # noqa: S105 - a test account's password, it meets the policy
SHOTS = os.environ.get("PORTAL_SHOTS")


@pytest.fixture
def agency(app, browser_account, tenant_ids):
    account_id = browser_account(
        "resilimo", EMAIL, PASSWORD, first_name="Claire", last_name="Petit"
    )
    account = SimpleNamespace(id=account_id, tenant_id=tenant_ids["resilimo"])
    give_credit(app, account, 5000)  # may send (ORIAS verified, mandate signed), 50 € of credit
    return account


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def names_in_order(page) -> list[str]:
    """The documents' names in print order (each shown as « 1. lettre.pdf »)."""
    shown = page.locator("#pm-documents li[data-id] .pm-document__name").all_inner_texts()
    return [name.split(". ", 1)[-1].strip() for name in shown]


def test_a_mail_is_uploaded_ordered_stapled_previewed_and_sent(
    app, page, live_server, agency, tmp_path
):
    from playwright.sync_api import expect

    from portal.core.sendings.jobs import dispatch_due

    annex = tmp_path / "annexe.pdf"
    annex.write_bytes(letter_pdf(address=[], body="Annexe : relevé de compte."))
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(letter_pdf(pages=3))  # the address in the window of its first page
    base = live_server.format(host="resilimo.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    page.goto(f"{base}/paper-mail/")
    page.get_by_role("button", name="Nouveau courrier papier").click()
    page.get_by_label("Documents à imprimer").set_input_files([str(annex), str(letter)])
    page.get_by_role("button", name="Ajouter +").click()
    expect(page.locator("#pm-documents li[data-id]")).to_have_count(2)
    assert names_in_order(page) == ["annexe.pdf", "lettre.pdf"]

    # The letter carries the address: dragged above the annex, it becomes document 1.
    with page.expect_navigation():  # the new order saved, the page shows it again
        page.locator("#pm-documents li[data-id]").nth(1).drag_to(
            page.locator("#pm-documents li[data-id]").nth(0)
        )
    expect(page.locator("#pm-documents li[data-id]").first).to_contain_text("lettre.pdf")
    assert names_in_order(page) == ["lettre.pdf", "annexe.pdf"]

    # « Agrafer tout »: the 3-page letter is stapled, the 1-page annex cannot be.
    page.get_by_role("button", name="Agrafer tout").click()
    first = page.locator("#pm-documents li[data-id]").first
    expect(first.get_by_role("button", name="Ne plus agrafer")).to_be_visible()
    shot(page, "paper-documents")
    page.get_by_role("button", name="Continuer").click()

    page.get_by_label("Lettre verte").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("SARL DUPOND").first).to_be_visible()  # read in the window
    page.get_by_role("button", name="Utiliser l'adresse du premier document").click()

    # The confirmation: what will be printed, sheet by sheet, its price and its hand-over day.
    expect(page.get_by_text("Remis à La Poste le").first).to_be_visible()
    previews = page.locator("img[src*='/apercu/']")
    expect(previews).to_have_count(4)  # duplex: the letter on 2 sheets, the annex on 1
    previews.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"img[src*='/apercu/']\")]"
        ".slice(0, 1).every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(page.get_by_text("Total TTC")).to_be_visible()
    shot(page, "paper-confirm")
    page.get_by_label(
        "Je confirme le visuel du courrier, l'adresse du destinataire et la date d'envoi"
    ).check()
    page.get_by_role("button", name="Envoyer maintenant").click()

    # The mail's page; the scheduler's minute hands it to the sandbox printer.
    expect(page.get_by_role("heading", level=1)).to_contain_text("PAP-")
    run_periodic(app, dispatch_due)
    page.reload()
    expect(page.get_by_text("Transmis le").first).to_be_visible()
    shot(page, "paper-mail")
    mail_url = page.url
    page.goto(f"{base}/paper-mail/")
    expect(page.locator("table")).to_contain_text("SARL DUPOND")
    expect(page.locator("table")).to_contain_text("Transmis le")

    # On a phone (390 px): no page wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    wide = "() => document.scrollingElement.scrollWidth"
    for url, name in ((mail_url, "paper-mail-390"), (f"{base}/paper-mail/", "paper-list-390")):
        page.goto(url)
        assert page.evaluate(wide) <= 390, url
        shot(page, name)
    page.get_by_role("button", name="Nouveau courrier papier").click()
    page.get_by_label("Documents à imprimer").set_input_files([str(letter)])
    page.get_by_role("button", name="Ajouter +").click()
    assert page.evaluate(wide) <= 390
    shot(page, "paper-documents-390")
