"""An agent's first steps in a real browser: sign up, activate from the emailed link, log in,
add a user to the account, switch to it and see it as the profile at work."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser

EMAIL = "claire.durant@agence-durant.fr"
PASSWORD = "Durant-Agence-2024!"


def activation_path(app, tenant_id: int) -> str:
    """The activation link of the newest email of the development mailbox, as a path."""
    from portal.core.devbox import DevboxMessage
    from portal.core.jobs import drain
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        message = db.session.scalars(
            select(DevboxMessage)
            .where(DevboxMessage.kind == "email", DevboxMessage.recipients == EMAIL)
            .order_by(DevboxMessage.id.desc())
        ).first()
    assert message is not None, "no activation email was sent"
    match = re.search(r"https?://[^/\s]+(/activation/[^\s]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def test_sign_up_activate_log_in_add_a_user_and_switch_to_it(page, live_server, app, tenant_ids):
    from playwright.sync_api import expect

    base = live_server.format(host="resilimo.localhost")

    # Sign up: first the ORIAS choice, then the form.
    page.goto(base + "/inscription")
    page.fill("input[name='orias']", "12 345 678")
    page.locator("form", has=page.locator("input[name='orias']")).locator(
        "button[type='submit']"
    ).click()
    form = page.locator("form", has=page.locator("input[name='email']"))
    form.locator("input[name='email']").fill(EMAIL)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("input[name='password_confirm']").fill(PASSWORD)
    form.locator("input[name='last_name']").fill("Durant")
    form.locator("input[name='first_name']").fill("Claire")
    form.locator("input[name='commercial_name']").fill("Agence Durant Assurances")
    form.locator("input[name='siren']").fill("732 829 320")
    affiliation = form.locator("select[name='affiliation']")
    affiliation.select_option(index=1 if affiliation.locator("option").count() > 1 else 0)
    form.locator("input[name='address']").fill("8 rue Nationale")
    form.locator("input[name='postal_code']").fill("69002")
    form.locator("input[name='city']").fill("Lyon")
    form.locator("input[name='phone']").fill("04 72 00 00 00")
    form.locator("input[name='accept_terms']").check()
    form.locator("button[type='submit']").click()
    expect(page.locator("main")).to_contain_text(EMAIL)

    # Activate from the emailed link.
    page.goto(base + activation_path(app, tenant_ids["resilimo"]))
    page.locator("main form button[type='submit']").click()

    # Log in: the account has one profile, chosen at once.
    if "/connexion" not in page.url:
        page.goto(base + "/connexion")
    login = page.locator("form", has=page.locator("input[name='password']"))
    login.locator("input[name='email']").fill(EMAIL)
    login.locator("input[name='password']").fill(PASSWORD)
    login.locator("button[type='submit']").click()
    page.goto(base + "/compte/")
    expect(page.locator("[data-current-profile]").first).to_have_text("Claire Durant")

    # The letterhead preview follows what is typed (JavaScript enhancement).
    page.goto(base + "/compte/entete")
    preview = page.locator("#letterhead-preview")
    expect(preview).to_contain_text("Agence Durant Assurances")
    expect(preview).to_contain_text("N° ORIAS : 12 345 678")
    page.fill("input[name='line']", "www.agence-durant.fr")
    expect(preview.locator("[data-pending]")).to_have_text("www.agence-durant.fr")

    # Add a user to the account.
    page.goto(base + "/compte/utilisateurs")
    page.get_by_role("link", name="Nouvel utilisateur").click()
    page.get_by_label("Nom", exact=True).fill("Charlotte")
    page.get_by_label("E-mail").fill("charlotte@agence-durant.fr")
    page.get_by_label("Téléphone", exact=True).fill("06 00 00 00 00")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("table")).to_contain_text("Charlotte")
    expect(page.locator("table")).to_contain_text("ACTIF")

    # Switch to it: it is now the profile at work.
    page.get_by_role("link", name="Changer de profil").first.click()
    page.get_by_role("button", name="Charlotte").click()
    page.goto(base + "/compte/")
    expect(page.locator("[data-current-profile]").first).to_have_text("Charlotte")
    expect(page.get_by_role("link", name="Gérer les utilisateurs du compte")).to_have_count(0)
