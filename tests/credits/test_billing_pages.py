"""The holder's billing page and downloads; the operators' credit adjustment (the closure refund:
test_refunds.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.core.accounts.models import AccountStatus
from portal.core.audit import AuditEntry
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.credits.billing import issue_receipt
from portal.core.credits.ledger import balance_cents, purchase
from portal.core.credits.models import (
    BillingDocument,
    DocumentType,
    Payment,
    PaymentStatus,
)
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.web import sign_in, sign_in_staff

BACKOFFICE = "backoffice.localhost"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def make_account(make_account, make_profile):
    """``make_account(email, status=…)`` → (account id, holder profile id, collaborator id)."""

    def make(email="jean@agence.fr", status=AccountStatus.ACTIVE, slug="resilimo"):
        account = make_account(slug, email, status=status, commercial_name="Agence Fournier")
        helper = make_profile(account, name="Paul", email="paul@agence.fr")
        return account.id, account.holder_profile_id, helper

    return make


@pytest.fixture
def signed_in(client_for, tenant_ids):
    def sign(account_id, profile_id, slug="resilimo"):
        account = SimpleNamespace(id=account_id, tenant_id=tenant_ids[slug], session_version=1)
        return sign_in(client_for(slug), account, profile_id)

    return sign


@pytest.fixture
def staff_client(app, client_for):
    with app.app_context():
        staff = StaffUser(
            email="ops@operateur.example.fr",
            name="Opératrice",
            role=StaffRole.SUPPORT,
            password_hash="not-used",
            totp_confirmed_at=datetime.now(UTC),
        )
        db.session.add(staff)
        db.session.commit()
        staff_id, version = staff.id, staff.session_version
    return sign_in_staff(
        client_for(BACKOFFICE), SimpleNamespace(id=staff_id, session_version=version)
    )


def add_documents(app, tenant_id, account_id, receipts=0, invoices=0):
    """Documents without going through the PDF renderer (the pages only list them)."""
    with app.app_context(), tenant_scope(tenant_id):
        for kind, count, series in [
            (DocumentType.RECEIPT, receipts, "R"),
            (DocumentType.MONTHLY_INVOICE, invoices, "M"),
        ]:
            for n in range(1, count + 1):
                db.session.add(
                    BillingDocument(
                        account_id=account_id,
                        type=kind,
                        number=f"{series}{n}",
                        issued_on=date(2026, 1, 1 + n),
                        total_cents=1000 + n,
                        vat_breakdown={},
                    )
                )
        db.session.commit()


def numbers(html: str, table: str) -> list[str]:
    section = html.split(f'data-table="{table}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-document="([^"]+)"', section)


def test_billing_page_lists_ten_per_page_with_independent_pagination(
    app, tenant_ids, make_account, signed_in
):
    account_id, holder, _ = make_account()
    add_documents(app, tenant_ids["resilimo"], account_id, receipts=12, invoices=3)
    client = signed_in(account_id, holder)

    html = client.get("/compte/facturation").get_data(as_text=True)
    assert numbers(html, "receipts") == [f"R{n}" for n in range(12, 2, -1)]  # newest first
    assert numbers(html, "invoices") == ["M3", "M2", "M1"]
    assert "page 1/2 (12 résultats)" in html
    assert "page 1/1 (3 résultats)" in html
    assert "Mensuelle" in html and "Payée" in html

    html = client.get("/compte/facturation?recus=2&factures=1").get_data(as_text=True)
    assert numbers(html, "receipts") == ["R2", "R1"]
    assert numbers(html, "invoices") == ["M3", "M2", "M1"]
    assert "page 2/2 (12 résultats)" in html


def test_billing_is_for_the_account_holder_only(app, make_account, signed_in):
    account_id, _, collaborator = make_account()
    assert signed_in(account_id, collaborator).get("/compte/facturation").status_code == 403


def test_a_receipt_downloads_for_its_account_only(app, tenant_ids, make_account, signed_in):
    mine, holder, _ = make_account()
    theirs, their_holder, _ = make_account(email="autre@agence.fr")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        payment = Payment(
            account_id=mine,
            provider="fake",
            provider_ref="p-1",
            amount_cents=3000,
            status=PaymentStatus.SUCCEEDED,
            completed_at=datetime.now(UTC),
        )
        db.session.add(payment)
        db.session.flush()
        purchase(mine, 3000, payment=payment)
        receipt_id = issue_receipt(payment).id
        db.session.commit()

    client = signed_in(mine, holder)
    html = client.get("/compte/facturation").get_data(as_text=True)
    assert "30,00" in html and numbers(html, "receipts") == ["R1"]
    response = client.get(f"/compte/facturation/documents/{receipt_id}.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert "R1.pdf" in response.headers["Content-Disposition"]

    other = signed_in(theirs, their_holder)
    assert other.get(f"/compte/facturation/documents/{receipt_id}.pdf").status_code == 404


def test_operator_adjusts_credit_with_a_reason_and_an_audit_entry(
    app, tenant_ids, make_account, staff_client
):
    account_id, _, _ = make_account()
    with app.app_context():
        audit_before = db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
    path = f"/backoffice/credits/comptes/{account_id}/ajuster"
    page = staff_client.get(path).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf(page), "key": key, "direction": "credit", "amount": "12,5"}

    missing_reason = staff_client.post(path, data={**form, "reason": ""})
    assert missing_reason.status_code == 422
    assert "Saisissez le motif" in missing_reason.get_data(as_text=True)
    assert 'value="12,5"' in missing_reason.get_data(as_text=True)  # nothing typed is lost

    done = staff_client.post(path, data={**form, "reason": "Geste commercial"})
    assert done.status_code == 302
    staff_client.post(path, data={**form, "reason": "Geste commercial"})  # double click
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        assert balance_cents(account_id) == 1250
        with unscoped():
            [entry] = db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "credits.adjusted", AuditEntry.id > audit_before
                )
            ).all()
        assert entry.details["reason"] == "Geste commercial"
        assert entry.target_id == account_id and entry.actor_type == "staff"

    page = staff_client.get(path).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', page).group(1)
    refused = staff_client.post(
        path,
        data={
            "csrf_token": csrf(page),
            "key": key,
            "direction": "debit",
            "amount": "20.00",
            "reason": "Erreur",
        },
    )
    assert refused.status_code == 422
    assert "ne couvre pas" in refused.get_data(as_text=True)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        assert balance_cents(account_id) == 1250


def test_the_credits_page_finds_accounts_by_email(app, make_account, staff_client):
    make_account()
    make_account(email="autre@agence.fr")
    html = staff_client.get("/backoffice/credits?q=autre").get_data(as_text=True)
    assert "autre@agence.fr" in html and "jean@agence.fr" not in html
    assert staff_client.get("/backoffice/").status_code in (200, 302)


def test_operators_read_a_members_name_where_an_agency_shows_its_commercial_name(app, staff_client):
    """A member of msr has no commercial name: the credit pages name the holder instead."""
    from portal.testing.accounts import create_account

    member = create_account(app, "msr", "jeanne.morel@example.fr", kind="member")
    listing = staff_client.get("/backoffice/credits?q=jeanne.morel").get_data(as_text=True)
    assert "<td>Jean Fournier<br><small>jeanne.morel@example.fr</small>" in listing
    page = staff_client.get(f"/backoffice/credits/comptes/{member.id}/ajuster")
    assert "<p>Jean Fournier — jeanne.morel@example.fr</p>" in page.get_data(as_text=True)
