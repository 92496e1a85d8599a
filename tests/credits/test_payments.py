"""Buying credit through the sandbox bank: credited exactly once, whatever reaches the portal.

The bank reports twice (the browser's return, the server-to-server notification); either may be
lost, late or repeated. The reconcile job catches payments nobody reported on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from portal.core.credits.ledger import balance_cents
from portal.core.credits.models import (
    BillingDocument,
    DocumentType,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from portal.core.credits.payments.sandbox import BankStatus, SandboxTransaction
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db

# The termination letters the resiliation plugin shows with the balance.
LRAR = "Lettre recommandée électronique avec accusé de réception (LRAR)"
LR = "Lettre recommandée électronique (LR)"
CARD_OK = "4000 0000 0000 0002"
CARD_DECLINED = "4000 0000 0000 0069"
CARD_3DS = "4000 0000 0000 3220"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def agent(make_account, logged_in):
    """``agent(email=…)`` → a logged-in resilimo test client with ``.account_id``."""

    def make(email: str = "jean@agence-fournier.fr"):
        account = make_account("resilimo", email)
        client = logged_in(account)
        client.account_id = account.id
        return client

    return make


@pytest.fixture
def state(app, tenant_ids):
    """``state(account_id)`` → (balance in cents, purchase entries, payments) of an account."""

    def read(account_id: int):
        with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
            entries = db.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.account_id == account_id, LedgerEntry.kind == EntryKind.PURCHASE
                )
            ).all()
            payments = db.session.scalars(
                select(Payment).where(Payment.account_id == account_id)
            ).all()
            result = (
                balance_cents(account_id),
                len(entries),
                [(p.status, p.amount_cents) for p in payments],
            )
            db.session.remove()
            return result

    return read


def text(response) -> str:
    """What the user reads: no tags, plain spaces (prices use non-breaking ones)."""
    html = response.get_data(as_text=True).replace("&#39;", "'")
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("\u202f", " ")
    )


@pytest.fixture
def receipts(app, tenant_ids):
    """``receipts(account_id)`` → the totals of the account's receipts (when billing is there)."""

    def read(account_id: int) -> list[int]:
        with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
            totals = db.session.scalars(
                select(BillingDocument.total_cents).where(
                    BillingDocument.account_id == account_id,
                    BillingDocument.type == DocumentType.RECEIPT,
                )
            ).all()
            db.session.remove()
            return list(totals)

    return read


def start_purchase(client, amount: int = 30) -> str:
    """Choose an amount (in euros) and buy: the bank page's path."""
    page = client.get("/compte/credits")
    assert page.status_code == 200
    response = client.post(
        "/compte/credits",
        data={"csrf_token": _csrf(page.get_data(as_text=True)), "amount": amount * 100},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"]).path
    assert location.startswith("/_sandbox/banque/SBX-")
    return location


def submit_card(client, bank_path: str, number: str = CARD_OK, **fields):
    page = client.get(bank_path)
    assert page.status_code == 200
    data = {
        "csrf_token": _csrf(page.get_data(as_text=True)),
        "card_type": "visa",
        "number": number,
        "month": "12",
        "year": str(datetime.now().year + 2),
        "cvv": "123",
        "action": "pay",
        **fields,
    }
    return client.post(bank_path, data=data)


def return_path(response) -> str:
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    assert parts.path == "/compte/credits/retour"
    return f"{parts.path}?{parts.query}"


def notify(client, return_url: str):
    """The bank's notification, as its server would post it (fields of the signed outcome)."""
    fields = {
        k: v[0] for k, v in parse_qs(urlsplit(return_url).query, keep_blank_values=True).items()
    }
    return client.post("/compte/credits/notification", data=fields)


def test_the_buy_page_shows_the_balance_what_it_buys_and_the_tariffs(agent):
    client = agent()
    response = client.get("/compte/credits")
    html = text(response)
    assert "Crédit actuel : 0,00 €" in html
    assert f"Soit 0 {LRAR} ou 0 {LR}" in html
    assert f"{LRAR} : 3,78 € TTC - {LR} : 2,97 € TTC" in html
    for amount in (20, 30, 50, 100, 200, 500):
        assert f"{amount} € TTC" in html
    assert 'href="/compte/facturation"' in response.get_data(as_text=True)


def test_a_tenant_whose_accounts_have_no_credit_has_no_buy_page(make_account, logged_in):
    """Horizon's sales agents and msr's members pay nothing: no credit pages at all."""
    for slug, email in (("horizon", "agent@horizon.example"), ("msr", "adherent@example.fr")):
        assert logged_in(make_account(slug, email)).get("/compte/credits").status_code == 404


def test_a_successful_payment_is_credited_once_return_then_notification(
    app, agent, state, receipts
):
    client = agent()
    url = return_path(submit_card(client, start_purchase(client, 30)))
    page = text(client.get(url))
    assert "Paiement accepté : 30,00 € crédités, votre crédit est de 30,00 €" in page
    drain(app)  # the bank's own notification
    assert client.get(url).status_code == 200  # the browser comes back twice
    assert notify(client, url).status_code == 200
    assert notify(client, url).status_code == 200
    assert state(client.account_id) == (3000, 1, [(PaymentStatus.SUCCEEDED, 3000)])
    assert receipts(client.account_id) == [3000]
    assert f"Soit 7 {LRAR} ou 10 {LR}" in text(client.get(url))


def test_notification_first_then_the_return_twice(app, agent, state):
    client = agent()
    url = return_path(submit_card(client, start_purchase(client, 50)))
    drain(app)
    assert notify(client, url).status_code == 200
    assert state(client.account_id)[0] == 5000
    for _ in range(2):
        page = text(client.get(url))
        assert "votre crédit est de 50,00 €" in page
    assert state(client.account_id) == (5000, 1, [(PaymentStatus.SUCCEEDED, 5000)])


def test_the_notification_alone_credits(app, agent, state):
    client = agent()
    return_path(submit_card(client, start_purchase(client, 20)))  # the browser never returns
    drain(app)
    assert state(client.account_id) == (2000, 1, [(PaymentStatus.SUCCEEDED, 2000)])


def _lose_the_reports_and_age(app, tenant_id, account_id, minutes):
    """The bank decided but neither report arrived; the payment is ``minutes`` old."""
    from portal.core.jobs.models import Job

    with app.app_context(), tenant_scope(tenant_id):
        db.session.execute(
            update(Job)
            .where(Job.actor_name.like("%notify_merchant"))
            .values(completed_at=datetime.now(UTC))
        )
        db.session.execute(
            update(Payment)
            .where(Payment.account_id == account_id)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=minutes))
        )
        db.session.commit()


def _reconcile(app):
    from portal.core.credits.payments.jobs import reconcile_payments

    with app.app_context():
        settled = reconcile_payments(None)
        db.session.commit()
        return settled


def test_with_no_report_at_all_the_reconcile_job_credits(app, agent, state, receipts, tenant_ids):
    client = agent()
    bank_path = start_purchase(client, 100)
    ref = bank_path.rsplit("/", 1)[1]
    with app.app_context():  # the bank accepted; its messages were lost on the way
        db.session.execute(
            update(SandboxTransaction)
            .where(SandboxTransaction.ref == ref)
            .values(status=BankStatus.SUCCEEDED)
        )
        db.session.commit()
    assert _reconcile(app) == 0  # under 10 minutes: the customer may still be on its way
    assert state(client.account_id)[0] == 0
    _lose_the_reports_and_age(app, tenant_ids["resilimo"], client.account_id, 11)
    assert _reconcile(app) == 1
    assert _reconcile(app) == 0
    assert state(client.account_id) == (10000, 1, [(PaymentStatus.SUCCEEDED, 10000)])
    assert receipts(client.account_id) == [10000]


def test_a_failed_receipt_keeps_the_credit_and_is_issued_later(
    app, agent, state, receipts, monkeypatch
):
    from portal.core.credits.billing import documents

    real = documents.issue_receipt

    def broken(payment):
        raise RuntimeError("PDF renderer down")

    monkeypatch.setattr(documents, "issue_receipt", broken)
    client = agent()
    url = return_path(submit_card(client, start_purchase(client, 20)))
    assert "votre crédit est de 20,00 €" in text(client.get(url))
    drain(app)
    assert state(client.account_id)[:2] == (2000, 1)
    assert receipts(client.account_id) == []
    monkeypatch.setattr(documents, "issue_receipt", real)
    _reconcile(app)
    _reconcile(app)
    assert receipts(client.account_id) == [2000]


def test_a_bank_page_left_open_is_closed_by_reconcile_without_credit(app, agent, state, tenant_ids):
    client = agent()
    bank_path = start_purchase(client, 30)
    with app.app_context():
        db.session.execute(
            update(SandboxTransaction).values(created_at=datetime.now(UTC) - timedelta(hours=2))
        )
        db.session.commit()
    _lose_the_reports_and_age(app, tenant_ids["resilimo"], client.account_id, 120)
    assert _reconcile(app) == 1
    assert state(client.account_id) == (0, 0, [(PaymentStatus.DECLINED, 3000)])
    # The bank page no longer takes a card: it sends the customer back with the refusal.
    response = client.get(bank_path)
    assert "Délai de paiement dépassé" in text(client.get(return_path(response)))


def test_a_declined_card_credits_nothing(app, agent, state):
    client = agent()
    url = return_path(submit_card(client, start_purchase(client), CARD_DECLINED))
    page = text(client.get(url))
    assert "Paiement refusé par votre banque." in page
    assert "Aucun montant n'a été crédité" in page
    drain(app)
    assert state(client.account_id) == (0, 0, [(PaymentStatus.DECLINED, 3000)])


def test_cancelling_on_the_bank_page_credits_nothing(app, agent, state):
    client = agent()
    bank_path = start_purchase(client)
    token = _csrf(client.get(bank_path).get_data(as_text=True))
    url = return_path(client.post(bank_path, data={"csrf_token": token, "action": "cancel"}))
    assert "Paiement annulé." in text(client.get(url))
    drain(app)
    assert state(client.account_id) == (0, 0, [(PaymentStatus.DECLINED, 3000)])


@pytest.mark.parametrize(
    ("code", "credited", "message"),
    [("123456", 3000, "Paiement accepté"), ("654321", 0, "Échec de l'authentification 3-D Secure")],
)
def test_three_d_secure(app, agent, state, code, credited, message):
    client = agent()
    bank_path = start_purchase(client)
    response = submit_card(client, bank_path, CARD_3DS)
    assert response.status_code == 302
    secure_path = urlsplit(response.headers["Location"]).path
    assert secure_path == f"{bank_path}/3d-secure"
    page = client.get(secure_path).get_data(as_text=True)
    assert "Code reçu par SMS" in page and "3220" in page
    assert client.get(bank_path).status_code == 302  # the card step is behind
    response = client.post(
        secure_path, data={"csrf_token": _csrf(page), "code": code, "action": "confirm"}
    )
    assert message in text(client.get(return_path(response)))
    drain(app)
    assert state(client.account_id)[:2] == (credited, 1 if credited else 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "4000 0000 0000 0001"}, "Numéro de carte invalide."),
        ({"month": "12", "year": str(datetime.now().year - 1)}, "Cette carte a expiré."),
        ({"cvv": "12"}, "Le cryptogramme visuel compte 3 chiffres."),
        ({"card_type": ""}, "Choisissez le type de votre carte."),
    ],
)
def test_the_bank_form_explains_bad_card_data_and_keeps_it(agent, state, fields, message):
    client = agent()
    response = submit_card(client, start_purchase(client), **fields)
    assert response.status_code == 400
    html = text(response)
    assert message in html
    if "number" in fields:
        assert 'value="4000 0000 0000 0001"' in response.get_data(as_text=True)
    assert state(client.account_id)[0] == 0


def test_an_expired_card_is_refused(agent):
    client = agent()
    year = datetime.now().year
    # The year list starts this year: only a past month of this year can be chosen.
    month = datetime.now().month
    if month == 1:
        pytest.skip("in January no month of this year is past")
    response = submit_card(client, start_purchase(client), month="01", year=str(year))
    assert response.status_code == 400
    assert "Cette carte a expiré." in text(response)


def test_a_forged_signature_is_refused(app, agent, state):
    client = agent()
    url = return_path(submit_card(client, start_purchase(client), CARD_DECLINED))
    forged = url.replace("status=declined", "status=succeeded")
    assert client.get(forged).status_code == 400
    assert notify(client, forged).status_code == 400
    assert state(client.account_id)[0] == 0


def test_another_accounts_payment_is_not_found_and_credits_no_one(app, agent, state):
    owner = agent()
    bank_path = start_purchase(owner)
    ref = bank_path.rsplit("/", 1)[1]
    other = agent("marie@autre-agence.fr")
    url = return_path(submit_card(other, bank_path))  # a stranger who got hold of the link
    with app.app_context():
        assert db.session.scalar(select(SandboxTransaction.ref)) == ref
    # The stranger's browser comes back to a payment that is not theirs.
    other_balance_before = state(other.account_id)[0]
    assert other.get(url).status_code == 404
    assert state(other.account_id)[0] == other_balance_before == 0
    # The money the bank took goes to the account that opened the payment.
    drain(app)
    assert state(owner.account_id)[0] == 3000


def test_amounts_are_integer_cents_and_only_offered_amounts(app, agent, state, tenant_ids):
    client = agent()
    page = client.get("/compte/credits").get_data(as_text=True)
    response = client.post("/compte/credits", data={"csrf_token": _csrf(page), "amount": "3300"})
    assert response.status_code == 400
    assert state(client.account_id)[2] == []
    start_purchase(client, 200)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        payment = db.session.scalar(select(Payment))
        assert payment.amount_cents == 20000 and isinstance(payment.amount_cents, int)


def test_buying_without_a_csrf_token_is_refused(agent, state):
    client = agent()
    assert client.post("/compte/credits", data={"amount": 30}).status_code == 400
    assert state(client.account_id)[2] == []


def test_the_buy_page_needs_a_login(client_for):
    response = client_for("resilimo").get("/compte/credits")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_an_unknown_bank_reference_is_not_found(client_for):
    assert client_for("resilimo").get("/_sandbox/banque/SBX-nothing").status_code == 404
