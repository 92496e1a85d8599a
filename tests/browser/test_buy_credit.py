"""Buying credit in a real browser: amount, the bank's card page, 3-D Secure, back with the
credit (and its receipt on the billing page)."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

EMAIL = "paul.martin@agence-martin.fr"
PASSWORD = "Martin-Agence-2024!"  # noqa: S105 - a test account's password, it meets the policy


@pytest.fixture(scope="module")
def payments_app(app, app_config):
    """The session app once the lead has wired payments in; until then, an app that has them."""
    if "credits.buy" in app.view_functions:
        yield app
        return
    from portal import create_app
    from portal.core.credits import payments
    from portal.core.jobs import shutdown

    wired = create_app(
        {
            **app_config,
            "PORTAL_EXTRA_JOBS": [*payments.JOBS, *payments.PERIODIC_JOBS],
            "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
        }
    )
    if "credits.billing" not in wired.view_functions:  # receipts: as the finished wiring does
        from portal.core.credits import billing

        billing.init_app(wired)
    payments.init_app(wired)
    yield wired
    shutdown(wired)


@pytest.fixture(scope="module")
def payments_server(app, payments_app, live_server):
    """``live_server`` when it serves the payments pages, else the same kind of server on our
    app (``live_server`` has compiled the catalogs either way)."""
    if payments_app is app:
        yield live_server
        return
    server = make_server("127.0.0.1", 0, payments_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="payments-server", daemon=True)
    thread.start()
    try:
        yield f"http://{{host}}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def account(payments_app, tenant_ids):
    from portal.core.accounts.models import Account, AccountStatus, Profile
    from portal.core.accounts.passwords import hash_password
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with payments_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        account = Account(
            email=EMAIL,
            password_hash=hash_password(PASSWORD),
            status=AccountStatus.ACTIVE,
            first_name="Paul",
            last_name="Martin",
            commercial_name="Agence Martin Assurances",
            address="8 rue Nationale",
            postal_code="69002",
            city="Lyon",
            phone="+33472000000",
        )
        profile = Profile(account=account, name="Paul Martin", email=EMAIL, is_holder=True)
        db.session.add_all([account, profile])
        db.session.commit()
        return account.id


def test_buy_30_euros_with_3d_secure_and_see_the_credit(page, payments_server, account):
    from playwright.sync_api import expect

    base = payments_server.format(host="resilimo.localhost")
    page.goto(base + "/connexion")
    login = page.locator("form", has=page.locator("input[name='password']"))
    login.locator("input[name='email']").fill(EMAIL)
    login.locator("input[name='password']").fill(PASSWORD)
    login.locator("button[type='submit']").click()

    page.goto(base + "/compte/credits")
    expect(page.locator("[data-balance]")).to_contain_text("Soit 0 LRAR ou 0 sans accusé")
    page.get_by_label("Montant").select_option("30")
    page.get_by_role("button", name="Acheter des crédits").click()

    # The bank's page: its own look, no portal menu.
    assert "/_sandbox/banque/" in page.url
    expect(page.get_by_role("heading", name="Informations de la carte")).to_be_visible()
    expect(page.locator("[data-current-profile]")).to_have_count(0)
    page.get_by_label("Visa").check()
    page.get_by_label("Numéro de carte").fill("4000 0000 0000 3220")
    page.get_by_label("Mois d'expiration").select_option("12")
    page.get_by_label("Année d'expiration").select_option(str(date.today().year + 2))
    page.get_by_label("Cryptogramme visuel").fill("123")
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Authentification 3-D Secure")).to_be_visible()
    page.get_by_label("Code reçu par SMS").fill("123456")
    page.get_by_role("button", name="Valider").click()

    expect(page.locator("[data-payment-result='succeeded']")).to_contain_text(
        "votre crédit est de 30,00"
    )
    expect(page.locator("[data-balance]")).to_contain_text("30,00")

    billing = page.get_by_role("link", name="Page de facturation")
    if billing.count():
        billing.click()
        expect(page.locator("[data-table='receipts'] tbody tr")).to_have_count(1)
        expect(page.locator("[data-table='receipts'] tbody tr")).to_contain_text("30,00")
