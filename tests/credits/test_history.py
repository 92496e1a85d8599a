"""« Historique du crédit »: every movement of the account's credit, each linked to what it paid
for and its billing document, paginated, reachable from « Mon compte », walled per account."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from webkit import text_of

from portal.core.accounts.models import Account
from portal.core.credits.billing import issue_receipt
from portal.core.credits.ledger import adjust, charge, purchase, refund
from portal.core.credits.models import BillingDocument, Payment, PaymentStatus
from portal.core.tenants import tenant_scope
from portal.core.verification.models import IdentityVerification, VerificationStatus
from portal.extensions import db

PAGE = "/compte/credits/historique"


def plain(response) -> str:
    html = text_of(response)
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("\u202f", " ")
    )


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-entry="\d+" data-kind="(\w+)"', html)


@pytest.fixture
def history_account(app, make_account):
    """A resilimo account that bought 50 €, paid an identity verification (14,40 €), had a
    charge refunded and an operator's adjustment; → (account, receipt id)."""

    def make(email="historique@agence.fr"):
        account = make_account("resilimo", email)
        with (
            app.test_request_context(base_url="http://resilimo.localhost"),
            tenant_scope(account.tenant_id),
        ):
            row = db.session.get(Account, account.id)
            payment = Payment(
                account_id=row.id,
                provider="fake",
                provider_ref=f"ref-{email}",
                amount_cents=5000,
                status=PaymentStatus.SUCCEEDED,
                completed_at=datetime.now(UTC),
            )
            db.session.add(payment)
            db.session.flush()
            purchase(row.id, 5000, payment=payment)
            receipt = issue_receipt(payment)
            verification = IdentityVerification(
                account_id=row.id,
                provider="sandbox",
                status=VerificationStatus.STARTED,
                started_at=datetime.now(UTC),
            )
            db.session.add(verification)
            db.session.flush()
            charge(
                row,
                1440,
                reason="Vérification d'identité forte (eIDAS)",
                idempotency_key=f"identity:{verification.id}",
                subject=verification,
            )
            letter = charge(row, 378, reason="LRAR annulée", idempotency_key="l1")
            refund(letter, reason="Envoi programmé annulé")
            adjust(row, 100, reason="Geste commercial", idempotency_key="g", actor_label="t")
            db.session.commit()
            return account, receipt.id

    return make


def test_the_history_lists_every_movement_with_its_link_and_balance(history_account, logged_in):
    account, receipt_id = history_account()
    response = logged_in(account).get(PAGE)
    assert response.status_code == 200
    html = text_of(response)
    assert rows(html) == ["adjustment", "refund", "charge", "charge", "purchase"]
    page = plain(response)
    assert "Historique du crédit" in page
    assert "Crédit disponible : 36,60 €" in page
    assert "+50,00 €" in page and "-14,40 €" in page and "+3,78 €" in page
    # The balance after each movement, newest first.
    balances = re.findall(r'data-label="Solde" class="amount">([^<]+)<', html)
    assert [b.replace("\xa0", " ") for b in balances] == [
        "36,60 €",
        "35,60 €",
        "31,82 €",
        "35,60 €",
        "50,00 €",
    ]
    # Each is linked to what it paid for: the receipt of the purchase, the verification page.
    assert f'href="/compte/facturation/documents/{receipt_id}.pdf" data-document' in html
    assert 'href="/compte/verification/identite" data-subject' in html


def test_the_history_is_paginated_ten_a_page(app, make_account, logged_in):
    account = make_account("resilimo", "pages@agence.fr")
    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        for n in range(12):
            adjust(row, 100 + n, reason=f"mouvement {n}", idempotency_key=f"m{n}", actor_label="t")
        db.session.commit()
    client = logged_in(account)
    first = client.get(PAGE)
    assert len(rows(text_of(first))) == 10
    assert "page 1/2 (12 résultats)" in plain(first) and 'rel="next"' in text_of(first)
    second = client.get(PAGE + "?page=2")
    assert len(rows(text_of(second))) == 2 and "mouvement 0" in plain(second)
    assert len(rows(text_of(client.get(PAGE + "?page=99")))) == 2  # the last page


def test_the_history_is_the_accounts_own(app, history_account, logged_in, make_account):
    mine, receipt_id = history_account()
    other = make_account("resilimo", "voisin@agence.fr")
    client = logged_in(other)
    html = text_of(client.get(PAGE))
    assert rows(html) == [] and "Aucun mouvement" in html
    # What the history links to is walled too: another account's receipt is not found.
    assert client.get(f"/compte/facturation/documents/{receipt_id}.pdf").status_code == 404
    assert logged_in(mine).get(f"/compte/facturation/documents/{receipt_id}.pdf").status_code == 200
    with app.app_context(), tenant_scope(mine.tenant_id):
        assert (
            db.session.scalar(
                select(BillingDocument.account_id).where(BillingDocument.id == receipt_id)
            )
            == mine.id
        )


def test_the_history_is_in_the_account_menu_where_accounts_have_credit(make_account, logged_in):
    client = logged_in(make_account("resilimo", "menu@agence.fr"))
    assert f'href="{PAGE}"' in client.get("/compte/").get_data(as_text=True)
    member = logged_in(make_account("msr", "adherent@example.fr"))
    assert f'href="{PAGE}"' not in member.get("/compte/").get_data(as_text=True)
    assert member.get(PAGE).status_code == 404


def test_a_collaborator_does_not_see_the_holders_history(make_account, make_profile, logged_in):
    account = make_account("resilimo", "collab@agence.fr")
    helper = make_profile(account, name="Paul")
    assert logged_in(account, helper).get(PAGE).status_code == 403


def test_the_history_needs_a_login(client_for):
    response = client_for("resilimo").get(PAGE)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
