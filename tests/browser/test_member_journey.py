"""A farmer's way into the fund's member space, in a real browser: the visitor home, the access
request, the operator's approval, the emailed link to create a password, the first login, the
dashboard and a first secure message — without ever meeting an agent's vocabulary (ORIAS,
commercial name, credit, letters, mandate, letterhead, collaborators)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser

EMAIL = "jeanne.morel@ferme-morel.fr"
PASSWORD = "Morel-Ferme-2026!"  # noqa: S105 - a test account's password, it meets the policy
TEXT = "Bonjour, je m'installe en GAEC avec mon fils au 1er janvier : quelles démarches ?"

# Words of the agents' portal a member must never read (whole words, any case).
AGENT_WORDS = (
    "ORIAS",
    "SIREN",
    "nom commercial",
    "crédit",
    "crédits",
    "mandat",
    "en-tête",
    "lettre recommandée",
    "résiliation",
    "collaborateur",
    "collaborateurs",
    "utilisateurs du compte",
    "agence",
    "CGV",
    "conditions générales de vente",
)
AGENT_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in AGENT_WORDS) + r")\b", re.IGNORECASE
)


class Journey:
    """Every page the member sees, checked as it is shown."""

    def __init__(self, page):
        self.page = page
        self.seen: list[str] = []

    def check(self) -> None:
        text = self.page.locator("body").inner_text()
        found = AGENT_PATTERN.findall(text)
        assert not found, f"{self.page.url} shows agent vocabulary: {sorted(set(found))}"
        self.seen.append(self.page.url)


def _emailed_path(app, tenant_id: int, pattern: str) -> str:
    from portal.core.devbox import DevboxMessage
    from portal.core.jobs import drain
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        messages = db.session.scalars(
            select(DevboxMessage)
            .where(DevboxMessage.kind == "email", DevboxMessage.recipients == EMAIL)
            .order_by(DevboxMessage.id.desc())
        ).all()
    for message in messages:
        assert not AGENT_PATTERN.search(message.subject + message.body_text), message.subject
    for message in messages:
        match = re.search(r"https?://[^/\s]+(" + pattern + r"[^\s]+)", message.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no email with {pattern}: {[m.subject for m in messages]}")


def _approve(app, tenant_id: int) -> None:
    from portal.core.accounts import Account
    from portal.core.backoffice.account_actions import approve
    from portal.core.tenants import tenant_scope
    from portal.extensions import db
    from portal.testing.accounts import create_staff

    staff = create_staff(app, email="accueil@msr-operateurs.fr")
    with app.app_context():
        with tenant_scope(tenant_id):
            account = db.session.scalars(select(Account).where(Account.email == EMAIL)).one()
        approve(account, db.session.get(type(staff), staff.id))
        db.session.commit()


def test_a_farmer_requests_access_and_sends_a_first_message(page, live_server, app, tenant_ids):
    from playwright.sync_api import expect

    base = live_server.format(host="msr.localhost")
    journey = Journey(page)

    # The visitor home says what a member can do and offers to ask for access.
    page.goto(base + "/")
    journey.check()
    page.get_by_role("link", name="Demander un accès").first.click()
    journey.check()

    # The request: who I am for the fund, no agency fields.
    form = page.locator("form", has=page.locator("input[name='email']"))
    for absent in ("orias", "commercial_name", "siren", "affiliation"):
        expect(form.locator(f"[name='{absent}']")).to_have_count(0)
    form.locator("input[name='email']").fill(EMAIL)
    if form.locator("input[name='password']").count():
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("input[name='password_confirm']").fill(PASSWORD)
    form.locator("input[name='last_name']").fill("Morel")
    form.locator("input[name='first_name']").fill("Jeanne")
    form.locator("select[name='category']").select_option("farmer")
    form.locator("input[name='address']").fill("La Grande Borde")
    form.locator("input[name='postal_code']").fill("45300")
    form.locator("input[name='city']").fill("Pithiviers")
    form.locator("input[name='phone']").fill("02 38 00 00 00")
    if form.locator("input[name='accept_terms']").count():
        form.locator("input[name='accept_terms']").check()
    form.locator("button[type='submit']").click()
    expect(page.locator("main")).to_contain_text(EMAIL)
    journey.check()

    # An operator approves; the emailed link creates the password.
    _approve(app, tenant_ids["msr"])
    page.goto(base + _emailed_path(app, tenant_ids["msr"], "/mot-de-passe/creer/"))
    journey.check()
    form = page.locator("main form", has=page.locator("input[name='password']"))
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("input[name='password_confirm']").fill(PASSWORD)
    if form.locator("input[name='accept_terms']").count():
        form.locator("input[name='accept_terms']").check()
    form.locator("button[type='submit']").click()
    journey.check()

    # First login (unless creating the password logged her in): the dashboard of a member.
    page.goto(base + "/connexion")
    login = page.locator("main form", has=page.locator("input[name='password']"))
    if login.count():
        login.locator("input[name='email']").fill(EMAIL)
        login.locator("input[name='password']").fill(PASSWORD)
        login.locator("button[type='submit']").click()
    page.goto(base + "/")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    journey.check()
    expect(page.locator("[data-credit-badge]")).to_have_count(0)

    # « Mon compte » holds what a member has, nothing of an agency.
    page.get_by_role("link", name="Mon compte").first.click()
    journey.check()
    page.goto(base + "/")

    # A first message through theme → topic → reason.
    page.get_by_role("link", name="Ma messagerie").first.click()
    journey.check()
    page.get_by_role("link", name="Rédiger un nouveau message").click()
    page.get_by_label("Famille, logement").check()
    page.get_by_role("button", name="Valider").click()
    journey.check()
    page.get_by_label("Allocations familiales").check()
    page.get_by_role("button", name="Valider").click()
    page.get_by_label("Changement de situation - Famille").check()
    page.get_by_role("button", name="Valider").click()
    # This reason has an online service: it is offered first, in a dialog.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    journey.check()
    dialog.get_by_role("button", name="Fermer et rédiger mon message").click()
    expect(dialog).to_have_count(0)
    page.get_by_label("Mon message").fill(TEXT)
    page.get_by_role("button", name="Valider").click()
    journey.check()
    expect(page.get_by_role("heading", name="Récapitulatif de ma demande")).to_be_visible()
    page.get_by_role("button", name="Envoyer").click()
    journey.check()
    expect(page.locator("main")).to_contain_text(re.compile(r"M-\d{6}"))
    assert len(journey.seen) >= 10
