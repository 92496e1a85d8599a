"""Secure messaging in a real browser : a member composes through theme → topic →
reason, meets the online-service dialog, writes, checks the summary, sends, sees the confirmation
and the acknowledgement; an operator answers from the back office; the member reads the reply and
its notification."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
from browserkit import log_in

pytestmark = pytest.mark.browser

EMAIL = "marie.lefevre@exploitation-lefevre.fr"
PASSWORD = "Lefevre-Ferme-2024!"  # noqa: S105 - a test account's password, it meets the policy
STAFF_EMAIL = "conseillere@msr-operateurs.fr"
STAFF_PASSWORD = "Bureau-Opérateur-2024"  # noqa: S105
TEXT = (
    "Bonjour, notre troisième enfant est né le 2 novembre : "
    "que dois-je faire pour mes allocations familiales ?"
)


@pytest.fixture
def member(browser_account):
    return browser_account(
        "msr",
        EMAIL,
        PASSWORD,
        category="farmer",
        first_name="Marie",
        last_name="Lefèvre",
        commercial_name="EARL Lefèvre",
        address="Lieu-dit Les Granges",
        postal_code="45300",
        city="Pithiviers",
        phone="+33238000000",
        mobile="+33612345678",
    )


@pytest.fixture
def operator(app):
    from portal.core.accounts.passwords import hash_password
    from portal.core.backoffice.models import StaffRole, StaffUser
    from portal.extensions import db

    secret = pyotp.random_base32()
    with app.app_context():
        staff = StaffUser(
            email=STAFF_EMAIL,
            name="Sophie Conseillère",
            role=StaffRole.SUPPORT,
            password_hash=hash_password(STAFF_PASSWORD),
            totp_secret=secret,
            totp_confirmed_at=datetime.now(UTC),
        )
        db.session.add(staff)
        db.session.commit()
    return secret


def _mailbox(page, base, app):
    from portal.core.jobs import drain

    drain(app)
    page.goto(base + "/_dev/mailbox")
    return page.locator("main")


def test_member_writes_operator_replies_member_reads(page, live_server, app, member, operator):
    from playwright.sync_api import expect

    base = live_server.format(host="msr.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    # Home of « Ma messagerie » → write a new message.
    page.goto(base + "/")
    page.get_by_role("link", name="Ma messagerie").first.click()
    page.get_by_role("link", name="Rédiger un nouveau message").click()

    # Theme, topic, reason — each step shows the previous choices with « Modifier ».
    page.get_by_label("Famille, logement").check()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Famille, logement")).to_be_visible()
    page.get_by_label("Allocations familiales").check()
    page.get_by_role("button", name="Valider").click()
    page.get_by_label("Changement de situation - Famille").check()
    page.get_by_role("button", name="Valider").click()

    # The online service is offered first, in a modal dialog that holds the focus.
    dialog = page.get_by_role("dialog", name="Un service en ligne correspond à votre demande")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Déclarer un changement de situation")
    expect(dialog.get_by_role("link", name="J'utilise le service en ligne")).to_be_focused()
    expect(dialog.get_by_role("link", name="J'utilise le service en ligne")).to_have_attribute(
        "href", "https://www.msr.test/services/changement-situation"
    )
    dialog.get_by_role("button", name="Fermer et rédiger mon message").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # The message, with the live counter.
    box = page.get_by_label("Mon message")
    expect(page.get_by_text("750 caractères restants.")).to_be_visible()
    box.fill("Trop court")
    expect(page.get_by_text("740 caractères restants.")).to_be_visible()
    box.fill("Court")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".error")).to_contain_text("au moins 10 caractères")
    expect(page.get_by_label("Mon message")).to_have_value("Court")
    page.get_by_label("Mon message").fill(TEXT)
    page.get_by_role("button", name="Valider").click()

    # Summary, then send.
    expect(page.get_by_role("heading", name="Récapitulatif de ma demande")).to_be_visible()
    summary = page.locator("main")
    for text in ("Famille, logement", "Allocations familiales", "Changement de situation", TEXT):
        expect(summary).to_contain_text(text)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("heading", name="Votre message a bien été envoyé")).to_be_visible()
    reference = re.search(r"M-\d{6}", page.locator("main").inner_text()).group(0)

    # The acknowledgement: an email and an SMS.
    mailbox = _mailbox(page, base, app)
    expect(mailbox).to_contain_text("Nous avons bien reçu votre message")
    expect(mailbox).to_contain_text(reference)

    # The operator answers from the back office (password, then TOTP code).
    office = live_server.format(host="backoffice.localhost")
    page.goto(office + "/backoffice/connexion")
    page.get_by_label("Adresse e-mail").fill(STAFF_EMAIL)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name=re.compile("Continuer|Se connecter|Valider")).click()
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(operator).now())
    page.get_by_role("button", name=re.compile("Continuer|Se connecter|Valider")).click()
    page.get_by_role("link", name="Messagerie").first.click()
    page.get_by_role("link", name=re.compile("Mutualité Sociale Rurale")).first.click()
    page.get_by_role("link", name=reference).click()
    expect(page.locator("main")).to_contain_text(TEXT)
    page.get_by_label("Votre réponse").fill(
        "Bonjour Madame, déclarez la naissance en ligne ; vos allocations seront recalculées."
    )
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("main")).to_contain_text("vos allocations seront recalculées")

    # The member is told, and reads the reply.
    mailbox = _mailbox(page, base, app)
    expect(mailbox).to_contain_text("Une réponse à votre message vous attend")
    page.goto(base + "/secure-messaging/")
    row = page.locator("tr, li", has_text=reference).first
    expect(row).to_contain_text("1")  # the unread badge
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("vos allocations seront recalculées")


def test_the_dialog_is_a_modal_escape_means_write_and_the_counter_counts_like_the_server(
    page, live_server, member
):
    from playwright.sync_api import expect

    base = live_server.format(host="msr.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    page.goto(base + "/secure-messaging/messages/nouveau")
    for label in ("Famille, logement", "Allocations familiales", "Changement de situation"):
        page.get_by_label(label).check()
        page.get_by_role("button", name="Valider").click()

    dialog = page.locator("dialog[data-sm-dialog]")
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.matches(':modal')")
    assert page.locator("#sm-page[inert]").count() == 0  # showModal makes the page inert
    with page.expect_response(lambda r: r.url.endswith("/service/fermer")) as closed:
        page.keyboard.press("Escape")
    assert closed.value.status == 204
    expect(dialog).not_to_be_visible()
    # Focus back on the page: on the message to write.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'body'")
    page.reload()  # dismissed for good: the page shown again has no dialog
    assert page.locator("dialog").count() == 0

    counter = page.locator("#body-counter")
    page.fill("textarea[name='body']", "Bonjour\nà vous")  # a line break is one character
    expect(counter).to_have_text("736 caractères restants.")
    page.fill("textarea[name='body']", "x" * 751)
    expect(counter).to_have_text("1 caractère en trop.")
    page.fill("textarea[name='body']", "x" * 749)
    expect(counter).to_have_text("1 caractère restant.")
