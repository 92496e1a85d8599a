"""Receipts and monthly invoices: gapless numbers, idempotent issue, Paris month boundaries,
VAT totals that add up."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.core.accounts.models import Account
from portal.core.credits.billing import issue_monthly_invoices, issue_receipt
from portal.core.credits.billing.amounts import split_vat, vat_breakdown
from portal.core.credits.billing.jobs import issue_previous_month_invoices
from portal.core.credits.billing.numbering import next_number
from portal.core.credits.ledger import charge, purchase, record_consumption
from portal.core.credits.models import (
    BillingDocument,
    Consumption,
    DocumentType,
    Payment,
    PaymentStatus,
)
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    """A Paris wall-clock time, stored as UTC like every timestamp of the portal."""
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def resilimo(app, tenant_ids):
    def enter():
        return tenant_scope(tenant_ids["resilimo"])

    return enter


@pytest.fixture
def account_id(make_account):
    return make_account("resilimo", "compta@example.fr").id


def pay(account_id: int, cents: int, ref: str, when: datetime | None = None) -> Payment:
    payment = Payment(
        account_id=account_id,
        provider="fake",
        provider_ref=ref,
        amount_cents=cents,
        status=PaymentStatus.SUCCEEDED,
        completed_at=when or datetime.now(UTC),
    )
    db.session.add(payment)
    db.session.flush()
    purchase(account_id, cents, payment=payment)
    return payment


def send(account_id: int, cents: int, key: str, sent_at: datetime, vat_bp: int = 2000):
    entry = charge(
        db.session.get(Account, account_id),
        cents,
        reason=key,
        idempotency_key=key,
        vat_rate_bp=vat_bp,
    )
    return record_consumption(entry, label=f"LRAR {key}", consumed_at=sent_at)


def invoices() -> list[BillingDocument]:
    return db.session.scalars(
        select(BillingDocument)
        .where(BillingDocument.type == DocumentType.MONTHLY_INVOICE)
        .order_by(BillingDocument.id)
    ).all()


# --- Numbering -----------------------------------------------------------------------------------


def test_parallel_documents_take_numbers_one_to_n_without_gaps(app, resilimo, account_id, backend):
    workers = 12 if backend["database"] == "postgresql" else 6
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        with app.app_context(), resilimo():
            try:
                start.wait()
                number = next_number("R")
                db.session.add(
                    BillingDocument(
                        account_id=account_id,
                        type=DocumentType.RECEIPT,
                        number=number,
                        issued_on=date(2026, 1, 1),
                        total_cents=100,
                        vat_breakdown={},
                    )
                )
                if n == 0:
                    db.session.rollback()  # a failed transaction gives its number back
                    return
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context(), resilimo():
        numbers = db.session.scalars(select(BillingDocument.number)).all()
        assert sorted(numbers, key=lambda n: int(n[1:])) == [f"R{i}" for i in range(1, workers)]
        assert next_number("M") == "M1"  # each series counts on its own
        db.session.rollback()


def test_each_tenant_numbers_its_own_documents(app, tenant_ids):
    with app.app_context():
        with tenant_scope(tenant_ids["resilimo"]):
            assert [next_number("R"), next_number("R")] == ["R1", "R2"]
            db.session.commit()
        with tenant_scope(tenant_ids["horizon"]):
            assert next_number("R") == "R1"
            db.session.commit()


# --- Receipts ------------------------------------------------------------------------------------


def test_a_receipt_is_issued_once_per_payment_with_its_pdf(app, resilimo, account_id):
    with app.app_context(), resilimo():
        payment = pay(account_id, 3000, "pay-1", when=paris(2026, 3, 31, 23, 30))
        receipt = issue_receipt(payment)
        again = issue_receipt(payment)
        db.session.commit()
        assert again.id == receipt.id
        assert receipt.number == "R1"
        assert receipt.issued_on == date(2026, 3, 31)  # the Paris date, not the UTC one
        assert receipt.total_cents == 3000
        pdf = storage().open(receipt.storage_key).read()
        assert pdf.startswith(b"%PDF")
        assert len(db.session.scalars(select(BillingDocument)).all()) == 1


# --- Monthly invoices ----------------------------------------------------------------------------


def test_month_boundaries_follow_paris_time(app, resilimo, tenant_ids, account_id):
    with app.app_context(), resilimo():
        pay(account_id, 5000, "pay-1")
        send(account_id, 378, "late-january", paris(2026, 1, 31, 23, 30))
        send(account_id, 297, "early-february", paris(2026, 2, 1, 0, 10))
        db.session.commit()

        [january] = issue_monthly_invoices(tenant_ids["resilimo"], 2026, 1)
        db.session.commit()
        assert january.number == "M1"
        assert january.issued_on == date(2026, 2, 1)
        assert (january.period_start, january.period_end) == (date(2026, 1, 1), date(2026, 1, 31))
        assert january.total_cents == 378

        [february] = issue_monthly_invoices(tenant_ids["resilimo"], 2026, 2)
        db.session.commit()
        assert february.total_cents == 297
        assert february.issued_on == date(2026, 3, 1)
        assert storage().open(february.storage_key).read().startswith(b"%PDF")


def test_no_invoice_for_a_month_without_sends_and_a_second_run_adds_nothing(
    app, resilimo, tenant_ids, account_id
):
    with app.app_context(), resilimo():
        pay(account_id, 5000, "pay-1")
        send(account_id, 378, "one", paris(2026, 4, 10, 9, 0))
        db.session.commit()
        assert issue_monthly_invoices(tenant_ids["resilimo"], 2026, 3) == []
        assert len(issue_monthly_invoices(tenant_ids["resilimo"], 2026, 4)) == 1
        db.session.commit()
        assert issue_monthly_invoices(tenant_ids["resilimo"], 2026, 4) == []
        db.session.commit()
        assert [i.number for i in invoices()] == ["M1"]


def test_a_scheduled_send_charged_in_one_month_is_invoiced_with_the_month_it_is_sent(
    app, resilimo, tenant_ids, account_id
):
    with app.app_context(), resilimo():
        pay(account_id, 5000, "pay-1")
        # Validated (and charged) in May, sent on 2 June: the June invoice lists it.
        entry = charge(
            db.session.get(Account, account_id), 378, reason="LRAR", idempotency_key="scheduled"
        )
        db.session.commit()
        assert issue_monthly_invoices(tenant_ids["resilimo"], 2026, 5) == []
        record_consumption(entry, label="LRAR programmée", consumed_at=paris(2026, 6, 2, 8, 0))
        db.session.commit()
        [june] = issue_monthly_invoices(tenant_ids["resilimo"], 2026, 6)
        db.session.commit()
        line = db.session.scalar(select(Consumption))
        assert line.invoice_id == june.id
        assert june.total_cents == 378


def test_vat_totals_per_rate_add_up_to_what_was_debited(app, resilimo, tenant_ids, account_id):
    with app.app_context(), resilimo():
        pay(account_id, 10000, "pay-1")
        for n, (cents, rate) in enumerate([(378, 2000), (378, 2000), (297, 2000), (1440, 550)]):
            send(account_id, cents, f"item-{n}", paris(2026, 7, 3 + n, 10, 0), vat_bp=rate)
        db.session.commit()
        [invoice] = issue_monthly_invoices(tenant_ids["resilimo"], 2026, 7)
        db.session.commit()
        breakdown = invoice.vat_breakdown
        assert set(breakdown) == {"550", "2000"}
        assert breakdown["2000"] == {"base": 315 + 315 + 248, "vat": 63 + 63 + 49, "total": 1053}
        assert sum(row["total"] for row in breakdown.values()) == invoice.total_cents == 2493
        for row in breakdown.values():
            assert row["base"] + row["vat"] == row["total"]


def test_each_line_is_rounded_to_the_cent_half_up():
    assert split_vat(378, 2000) == (315, 63)
    assert split_vat(297, 2000) == (248, 49)  # 247.5 → 248
    assert split_vat(1, 2000) == (1, 0)
    assert vat_breakdown([]) == {}


def test_the_monthly_job_invoices_every_tenant_once(
    app, tenant_ids, account_id, resilimo, make_account
):
    other = make_account("horizon", "other@example.com").id
    with app.app_context():
        with resilimo():
            pay(account_id, 5000, "pay-1")
            send(account_id, 378, "one", paris(2026, 8, 31, 22, 0))
            db.session.commit()
        with tenant_scope(tenant_ids["horizon"]):
            pay(other, 5000, "pay-2")
            send(other, 297, "two", paris(2026, 8, 1, 0, 5))
            db.session.commit()
        issue_previous_month_invoices(None, 2026, 8)
        db.session.commit()
        issue_previous_month_invoices(None, 2026, 8)
        db.session.commit()
        for slug, total in [("resilimo", 378), ("horizon", 297)]:
            with tenant_scope(tenant_ids[slug]):
                assert [(i.number, i.total_cents) for i in invoices()] == [("M1", total)]
