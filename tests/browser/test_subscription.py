"""The online subscription in a real browser (issue « Souscription en ligne », done when): the sales
agent's quote (needs, solutions, details, summary), the quote email and its link opened by the
client, the four steps, the e-signature with the code of the sandbox SMS box, a supporting
document uploaded from the client space, then the back office's « Adhésion créée », seen on the
agent's contract page."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest
from browserkit import axe_violations, log_in
from subscriptionkit import (
    attachments_of,
    contract_of,
    first_of_next_month,
    identity_pdf,
    in_french,
    mails_to,
    months_of_premiums,
    nir_for,
    path_in,
    sms_code,
    subscription_link,
)

pytestmark = pytest.mark.browser

EMAIL = "lucie.bernard@courtier-atlantique.fr"
PASSWORD = "Atlantique-2026!ok"  # noqa: S105 - a test account's password, it meets the policy
CLIENT_EMAIL = "paul.durand@example.org"
MOBILE = "+33612345678"
BIRTH = date(1981, 4, 12)
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP"
MEMBERSHIP = "ADH-2027-0042"
SHOTS = os.environ.get("PORTAL_SHOTS")


# Every page the flow shows, checked by axe-core as it goes (WCAG 2.1 AA): name → violations.
INACCESSIBLE: dict[str, list[str]] = {}


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    if violations := axe_violations(page):
        INACCESSIBLE[name] = violations


def _quote(page, base: str, expect) -> None:
    """The agent's wizard, from « Vente directe » to « Valider et envoyer le devis au client »."""
    in_french(page)
    page.goto(base + "/souscription/")
    page.get_by_role("link", name="Vente directe").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vente directe")
    shot(page, "sub-01-direct-sale")
    page.get_by_role("link", name=re.compile(r"Nouveau devis\s+Horizon Monde")).click()

    # « Vos besoins »: « Suivant » waits for every required answer.
    expect(page.locator("h2, h1").filter(has_text="Vos besoins").first).to_be_visible()
    following = page.get_by_role("button", name=re.compile("Suivant"))
    expect(following).to_be_disabled()
    for need in (
        "Optique (lunettes, lentilles)",
        "Dentaire (prothèses, soins)",
        "Audiologie (prothèses auditives)",
        "En cas d'hospitalisation (confort)",
        "Remboursement des dépassements d'honoraires",
    ):
        page.get_by_role("group", name=need).get_by_label("Médian").check()
    effective = first_of_next_month(date.today())
    page.get_by_label("Date d'effet souhaitée").fill(effective.isoformat())
    page.get_by_label("Caisse des Français de l'Étranger (CFE)").check()
    page.get_by_label("Code postal").fill("17000")
    page.get_by_label("Ville").fill("La Rochelle")
    page.get_by_label("Date de naissance", exact=True).fill(BIRTH.isoformat())
    page.get_by_role("group", name="Souhaitez-vous couvrir votre conjoint(e) ?").get_by_label(
        "Non"
    ).check()
    expect(following).to_be_disabled()  # the children not answered yet
    page.get_by_role("group", name="Souhaitez-vous couvrir vos enfants ?").get_by_label(
        "Non"
    ).check()
    expect(following).to_be_enabled()
    shot(page, "sub-02-needs")
    following.click()

    # « Vos solutions »: the recommended formula, its price.
    expect(page.get_by_text("Choisissez votre formule")).to_be_visible()
    formula = page.locator(".q-formula input[name='formula']:not([disabled])").first
    formula.check()
    expect(page.locator("[data-quote-monthly]")).to_contain_text("€")
    shot(page, "sub-03-solutions")
    page.get_by_role("button", name=re.compile("Suivant")).click()

    # « Vos coordonnées ».
    expect(page.locator("h2, h1").filter(has_text="Vos coordonnées").first).to_be_visible()
    page.get_by_label("Monsieur").check()
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Prénom").fill("Paul")
    birth = page.get_by_label("Date de naissance")
    if not birth.input_value():
        birth.fill(BIRTH.isoformat())
    page.get_by_label("Adresse", exact=True).fill("12 rue des Lilas")
    page.get_by_label("Code postal").fill("17000")
    page.get_by_label("Ville").fill("La Rochelle")
    page.get_by_label("Adresse e-mail client").fill(CLIENT_EMAIL)
    page.get_by_label("Téléphone mobile").fill(MOBILE)
    shot(page, "sub-04-details")
    page.get_by_role("button", name=re.compile("Suivant")).click()

    # « Récapitulatif »: validate and send.
    expect(page.get_by_text("Durand").first).to_be_visible()
    shot(page, "sub-05-summary")
    page.get_by_role("button", name=re.compile("Valider et envoyer le devis au client")).click()
    expect(page.locator("main")).to_contain_text(CLIENT_EMAIL)
    shot(page, "sub-06-quote")


def _subscribe(page, base: str, link: str, expect) -> None:
    """The client's four steps, from the quote email's link to « Signer le contrat »."""
    page.goto(base + link)  # the link leads to the first step
    expect(page).to_have_url(re.compile(r"/donnees(\?lang=fr)?$"))
    steps = page.get_by_role("list", name="Étapes de la souscription")
    for label in (
        "Données personnelles",
        "Informations contractuelles",
        "Informations de paiement",
        "Confirmation",
    ):
        expect(steps).to_contain_text(label)
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Durand")
    page.get_by_label("Monsieur").check()
    page.get_by_label("Numéro de sécurité sociale").fill(nir_for(BIRTH, "m"))
    page.get_by_label("Téléphone mobile").fill("06 12 34 56 78")
    page.locator("#status_declared").check()
    shot(page, "sub-07-personal")
    page.get_by_role("button", name=re.compile("Suivant")).click()

    expect(page.locator("#sub-step-title")).to_have_text("Informations contractuelles")
    page.get_by_label(re.compile("J'ai pris connaissance du Document d'Information")).check()
    shot(page, "sub-08-documents")
    page.get_by_role("button", name=re.compile("Suivant")).click()

    expect(page.locator("#sub-step-title")).to_have_text("Informations de paiement")
    page.get_by_label("Titulaire du compte").fill("Paul Durand")
    page.get_by_label("IBAN", exact=True).fill(IBAN)
    page.get_by_label("BIC", exact=True).fill(BIC)
    page.locator("#debit_authorised").check()
    shot(page, "sub-09-payment")
    page.get_by_role("button", name=re.compile("Suivant")).click()

    expect(page.locator("#sub-step-title")).to_have_text("Confirmation")
    expect(page.locator(".sub-recap")).to_contain_text("Paul DURAND")
    page.get_by_label("Signer électroniquement").check()
    shot(page, "sub-10-confirm")
    page.get_by_role("button", name="Signer le contrat").click()


def _sign(page, base: str, app, tenant_id: int, expect) -> None:
    """The signer's pages: every document read and its boxes ticked, the SMS code, « Signer »."""
    expect(page).to_have_url(re.compile(r"/signature/"))
    shot(page, "sub-11-signer-home")
    page.get_by_role("link", name="Commencer").click()
    for number in range(1, 11):
        heading = page.get_by_role("heading", level=1)
        if heading.inner_text().strip() == "Signer":
            break
        boxes = page.locator(".sig-boxes input[type='checkbox']")
        for index in range(boxes.count()):
            boxes.nth(index).check()
        if number == 1:
            expect(boxes).to_have_count(3)
            first_page = page.locator(".sig-pages img").first
            expect(first_page).to_have_js_property("complete", True)
            assert first_page.evaluate("img => img.naturalWidth") > 0
            shot(page, "sub-12-signer-document")
        page.locator("form .form-actions button[type='submit']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signer")
    expect(page.locator(".sig-summary")).to_be_visible()
    page.get_by_role("button", name="Recevoir le code par SMS").click()
    code_field = page.get_by_label("Code reçu par SMS")
    expect(code_field).to_be_visible()
    shot(page, "sub-13-code-sent")
    code_field.fill(sms_code(app, tenant_id, MOBILE))
    page.get_by_role("button", name="Signer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre signature est enregistrée")
    shot(page, "sub-14-signed")


def test_a_quote_is_subscribed_signed_documented_and_becomes_a_membership(
    app, browser, page, live_server, browser_account, tenant_ids
):
    from playwright.sync_api import expect

    from portal.core.jobs import drain
    from portal.testing.accounts import STAFF_PASSWORD, create_staff

    tenant_id = tenant_ids["horizon"]
    browser_account(
        "horizon",
        EMAIL,
        PASSWORD,
        first_name="Lucie",
        last_name="Bernard",
        commercial_name="Courtier Atlantique",
    )
    base = live_server.format(host="horizon.localhost")

    # 1. The sales agent's quote.
    log_in(page, base, EMAIL, PASSWORD)
    _quote(page, base, expect)

    # 2. The quote email, its PDFs, its link.
    quotes = [m for m in mails_to(app, tenant_id, CLIENT_EMAIL) if subscription_link_in(m)]
    assert quotes, [m.subject for m in mails_to(app, tenant_id, CLIENT_EMAIL)]
    files = attachments_of(quotes[-1])
    assert files and all(name.endswith(".pdf") for name in files), list(files)
    link = subscription_link(quotes[-1])

    # 3. The client (another browser) subscribes and signs.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    in_french(context)
    client = context.new_page()
    client.set_default_timeout(15_000)
    try:
        _subscribe(client, base, link, expect)
        _sign(client, base, app, tenant_id, expect)

        # 4. The signed documents' email opens the client space; one document is uploaded.
        drain(app)
        signed = [m for m in mails_to(app, tenant_id, CLIENT_EMAIL) if "signés" in m.subject]
        assert len(signed) == 1, [m.subject for m in mails_to(app, tenant_id, CLIENT_EMAIL)]
        client.goto(base + path_in(signed[0].body_text, "/souscription/espace-client"))
        expect(client.get_by_role("heading", level=1)).to_have_text("Espace client")
        expect(client.locator("[data-welcome]")).to_contain_text("Paul DURAND")
        pending = client.locator("[data-pending] tbody tr[data-document]")
        expect(pending.first).to_be_visible()
        shot(client, "sub-15-space")
        row = pending.first
        row.locator("input[type='file']").set_input_files(
            {"name": "cni.pdf", "mimeType": "application/pdf", "buffer": identity_pdf()}
        )
        row.get_by_role("button", name="Transmettre mon document").click()
        row = client.locator("[data-pending] tbody tr[data-document]").first
        expect(row).to_contain_text("cni.pdf")
        expect(row).to_contain_text("Reçue le")
        expect(client.locator("[data-contracts] [data-progress]")).to_have_text("Dossier transmis")
        shot(client, "sub-16-space-uploaded")
    finally:
        context.close()
    contract_id, progress = contract_of(app, tenant_id, CLIENT_EMAIL)
    assert progress == "file_transmitted"

    # 5. The back office creates the membership.
    staff = create_staff(app, email="adhesions@operateur.example.fr")
    import pyotp

    office = live_server.format(host="backoffice.localhost")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    in_french(context)
    operator = context.new_page()
    operator.set_default_timeout(15_000)
    try:
        operator.goto(office + "/backoffice/connexion")
        operator.get_by_label("Adresse e-mail").fill(staff.email)
        operator.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
        operator.get_by_role("button", name=re.compile("Continuer|Se connecter|Valider")).click()
        operator.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(staff.totp_secret).now())
        operator.get_by_role("button", name=re.compile("Continuer|Se connecter|Valider")).click()
        operator.get_by_role("link", name="Adhésions à traiter").first.click()
        operator.locator("[data-tenants] li", has_text="(horizon)").get_by_role("link").click()
        expect(operator.get_by_role("heading", level=1)).to_contain_text("Adhésions à traiter")
        line = operator.locator("[data-memberships] tbody tr", has_text="DURAND Paul")
        expect(line).to_contain_text("Dossier transmis")
        shot(operator, "sub-17-backoffice-list")
        line.locator("a.bo-sub-ref").click()
        expect(operator.locator("[data-documents]")).to_contain_text("cni.pdf")
        operator.get_by_role("textbox", name=re.compile("Numéro d'adhésion")).fill(MEMBERSHIP)
        shot(operator, "sub-18-backoffice-contract")
        operator.get_by_role("button", name="Adhésion créée").click()
        # Back to the list: the file is now « Adhésion créée », with its number.
        line = operator.locator("[data-memberships] tbody tr", has_text="DURAND Paul")
        expect(line).to_have_attribute("data-progress", "membership_created")
        expect(line).to_contain_text("Adhésion créée")
        expect(line).to_contain_text(MEMBERSHIP)
        shot(operator, "sub-19-backoffice-created")

        # Two months on, the premiums were called and debited; the bank returns one debit.
        client_id, premium = months_of_premiums(app, tenant_id, contract_id)
        operator.goto(office + f"/backoffice/t/horizon/subscription/adhesions/{contract_id}")
        expect(operator.locator("[data-premiums]")).to_contain_text("Prélèvement SEPA")
        operator.get_by_text("Enregistrer un mouvement").click()
        operator.get_by_label("Impayé de prélèvement").check()
        operator.get_by_label("Montant (€)").fill(premium)
        operator.get_by_label("Date de valeur").fill(date.today().isoformat())
        operator.get_by_label("Motif du rejet (impayé)").select_option("AM04")
        operator.get_by_role("button", name="Enregistrer le mouvement").click()
        expect(operator.locator("[data-premiums]")).to_contain_text("Impayé — AM04")
        shot(operator, "sub-19b-backoffice-premiums")
    finally:
        context.close()

    # The agent's client file: one month late, the movements listed.
    page.goto(f"{base}/souscription/clients/{client_id}")
    expect(page.locator('[data-premium="late"]')).to_contain_text(premium)
    expect(page.locator(".sub-movements")).to_contain_text("Impayé — AM04")
    shot(page, "sub-19c-agent-client-premiums")

    # The agent's contract page says so.
    page.goto(f"{base}/souscription/contrats/{contract_id}")
    expect(page.locator("[data-progress]")).to_contain_text("Adhésion créée")
    expect(page.locator("[data-progress]")).to_contain_text(MEMBERSHIP)
    shot(page, "sub-20-agent-contract")
    assert not INACCESSIBLE, INACCESSIBLE


def subscription_link_in(message) -> bool:
    return "/souscription/s/" in (message.body_text or "")
