"""Writing a termination letter in a real browser (issue « Resiliation I », done when): a
two-contract loi Hamon letter for a company subscriber with a co-subscriber, the insurer found by
typing three letters, a hand-signed mandate uploaded, the PDF seen, the confirmation reached
with the right dates — and the wizard survives a reload at every step."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from browserkit import log_in
from letterkit import make_insurer, verified
from webkit import PDF_BYTES

from plugins.resiliation import rules
from portal.core import clock

pytestmark = pytest.mark.browser

EMAIL = "paul.martin@agence-martin.fr"
PASSWORD = "Martin-Agence-2024!"  # noqa: S105 - a test account's password, it meets the policy
SHOTS = os.environ.get("PORTAL_SHOTS")  # a folder: screenshots of each step (to look at them)


@pytest.fixture
def agency(app, browser_account, tenant_ids):
    account_id = browser_account("resilimo", EMAIL, PASSWORD)
    account = SimpleNamespace(id=account_id, tenant_id=tenant_ids["resilimo"])
    verified(app, account)
    make_insurer(app, account.tenant_id, name="MAAF Assurances")
    make_insurer(app, account.tenant_id, name="MACIF", lre_email="resiliation@macif.example")
    return account


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def reloaded(page, heading: str) -> None:
    """Once the page titled ``heading`` is shown, reload it as a user would (F5): it is there
    again, with what was kept."""
    from playwright.sync_api import expect

    title = page.get_by_role("heading", name=heading)
    expect(title).to_be_visible()
    page.reload()
    expect(title).to_be_visible()


def test_a_two_contract_loi_hamon_letter_for_a_company_reaches_the_confirmation(
    page, live_server, agency, tmp_path
):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")
    log_in(page, base, EMAIL, PASSWORD)
    page.goto(base + "/resiliation/")
    page.get_by_role("link", name="Nouvelle résiliation").first.click()

    # 1 — the subscriber: a company, with a co-subscriber.
    page.get_by_label("Madame", exact=True).first.check()
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Prénom", exact=True).fill("Claire")
    page.get_by_label("Le souscripteur est un professionnel (société)").check()
    page.get_by_label("Société et statut").fill("Boulangerie Durand SARL")
    page.get_by_label("N° SIRET").fill("732 829 320 00074")
    page.get_by_label("N° et rue").fill("7 chemin de la Ferrière")
    page.get_by_label("Code postal").fill("38000")
    page.get_by_label("Ville").fill("Grenoble")
    page.get_by_label("E-mail").fill("claire@boulangerie-durand.fr")
    co_subscriber = page.locator("summary", has_text="co-souscripteur")
    if co_subscriber.count():
        co_subscriber.click()
    page.get_by_label("Nom du co-souscripteur", exact=True).fill("Durand")
    page.get_by_label("Prénom du co-souscripteur", exact=True).fill("Marc")
    shot(page, "1-subscriber")
    page.get_by_role("button", name="Continuer").click()

    # 2 — the insurer, found by typing three letters.
    reloaded(page, "Assuré chez qui ?")
    page.get_by_role("link", name="Retour à la définition de l'assuré").click()
    reloaded(page, "Informations du souscripteur")  # the first step, as kept in the draft
    expect(page.get_by_label("Société et statut")).to_have_value("Boulangerie Durand SARL")
    expect(page.get_by_label("Prénom du co-souscripteur", exact=True)).to_have_value("Marc")
    page.get_by_role("button", name="Continuer").click()
    reloaded(page, "Assuré chez qui ?")
    page.get_by_label("Cherchez l'assureur ici, deux caractères minimum").fill("maa")
    choose = page.get_by_role("button", name="Choisir : MAAF Assurances")
    expect(choose).to_be_visible()
    expect(page.get_by_role("button", name="Choisir : MACIF")).to_have_count(0)
    addition = page.get_by_role("link", name="Demander l'ajout d'une compagnie")
    expect(addition).to_have_attribute("href", re.compile(r"text=Merci.*maa$"))
    shot(page, "2-insurer")
    choose.click()

    # 3 — the first contract's type, then the contract: loi Hamon on a car.
    reloaded(page, "Type de contrat")
    page.get_by_label("Assurance auto").check()
    page.get_by_role("button", name="Continuer").click()
    reloaded(page, "Informations concernant le contrat à résilier chez MAAF Assurances")
    page.get_by_label("Référence du contrat").fill("AUTO-12536985")
    page.get_by_label("Loi Hamon").check()
    page.get_by_label("Immatriculation").fill("AA-111-BB")
    page.get_by_label("Nouvel assureur ou organisme").fill("AXA FRANCE IARD")
    page.get_by_label("Nouvelle référence de contrat ou d'offre").fill("AXA-998877")
    shot(page, "3-contract")
    page.get_by_role("button", name="Continuer").click()

    # The letter page; a second contract of a type compatible with loi Hamon.
    expect(
        page.get_by_role("heading", name="Résiliation de Boulangerie Durand SARL")
    ).to_be_visible()
    letter_url = page.url
    page.get_by_role("link", name="Ajouter un contrat à cette lettre").click()
    expect(page.get_by_role("link", name="Complémentaire Santé")).to_have_count(0)  # not Hamon
    page.get_by_role("link", name="Assurance habitation (Locataire)").click()
    page.get_by_label("Référence du contrat").fill("MRH-445566")
    page.get_by_label("Nouvel assureur ou organisme").fill("AXA FRANCE IARD")
    page.get_by_role("button", name="Continuer").click()
    page.goto(letter_url)
    reloaded(page, "Résiliation de Boulangerie Durand SARL")
    expect(page.locator("body")).to_contain_text("AUTO-12536985")
    expect(page.locator("body")).to_contain_text("MRH-445566")
    shot(page, "4-letter")

    # The mandate: the pre-filled one, signed by hand, its scan uploaded and validated.
    page.get_by_role("link", name="Générer/Joindre le mandat").click()
    page.get_by_role("button", name="Générer et joindre un mandat").click()
    page.get_by_role("link", name="Je fais signer mon client").click()
    scan = tmp_path / "mandat-signe.pdf"
    scan.write_bytes(PDF_BYTES)
    page.locator("input[type=file]").set_input_files(str(scan))
    page.get_by_role("button", name="Ajouter ce mandat").click()
    shot(page, "5-mandate-preview")
    page.get_by_role("button", name="Valider ce mandat").click()
    page.goto(letter_url)
    expect(page.locator("[data-mandate-panel=mandate]")).to_have_attribute(
        "data-mandate-ready", "true"
    )

    # The PDF of the letter.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger").first.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")

    # Finalise: the new contracts' effective date; the send date computed.
    page.get_by_role("link", name="Finaliser l'envoi").click()
    shot(page, "6-finalize")
    earliest = rules.agency_send_day(clock.now())
    send = earliest + timedelta(days=10)
    effective = rules.effective_date_for_send_date(send)
    page.get_by_label("Avec accusé de réception").check()
    page.locator("input[name=effective_date]").fill(effective.isoformat())
    page.get_by_role("button", name="Choisir").click()
    expect(page.locator("body")).to_contain_text(send.strftime("%d/%m/%Y"))
    page.get_by_role("button", name=f"Envoyer le {send:%d/%m/%Y}").click()

    # The confirmation: both dates, the box.
    expect(page.locator("body")).to_contain_text(send.strftime("%d/%m/%Y"))
    expect(page.locator("body")).to_contain_text(effective.strftime("%d/%m/%Y"))
    shot(page, "7-confirm")
    expect(
        page.get_by_label("Je confirme ces dates et je suis responsable de ce choix")
    ).to_be_visible()
    # Validating it (charged, sent) is Resiliation II's: tests/browser/test_resiliation_sending.py.
    expect(
        page.get_by_role("button", name=f"Valider et envoyer le {send:%d/%m/%Y}")
    ).to_be_visible()
