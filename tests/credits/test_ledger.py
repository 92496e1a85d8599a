"""The prepaid ledger: integer cents, append-only, idempotent, never overdrawn."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from portal.core.accounts.models import Account
from portal.core.credits.ledger import (
    InsufficientCredit,
    adjust,
    balance_cents,
    charge,
    record_consumption,
    refund,
)
from portal.core.credits.models import Consumption, LedgerEntry, LedgerIsAppendOnly
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def account_id(make_account):
    return make_account("resilimo", "compta@example.fr", commercial_name="Agence Compta").id


@pytest.fixture
def scope(app, tenant_ids):
    def enter():
        return tenant_scope(tenant_ids["resilimo"])

    return enter


def _account(account_id):
    return db.session.get(Account, account_id)


def _sum_of_entries(account_id):
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )


def test_charges_and_refunds_move_the_balance_by_exact_cents(app, scope, account_id):
    with app.app_context(), scope():
        account = _account(account_id)
        adjust(account, 3000, reason="achat", idempotency_key="a1", actor_label="test")
        letter = charge(account, 378, reason="LRAR", idempotency_key="letter:1")
        charge(account, 297, reason="LR", idempotency_key="letter:2")
        refund(letter, reason="envoi programmé annulé")
        db.session.commit()
        assert balance_cents(account_id) == 3000 - 297
        assert _sum_of_entries(account_id) == balance_cents(account_id)


def test_the_same_key_never_charges_twice(app, scope, account_id):
    with app.app_context(), scope():
        account = _account(account_id)
        adjust(account, 1000, reason="achat", idempotency_key="a1", actor_label="test")
        first = charge(account, 378, reason="LRAR", idempotency_key="letter:7")
        again = charge(account, 378, reason="LRAR", idempotency_key="letter:7")  # a retried job
        db.session.commit()
        assert first.id == again.id
        assert balance_cents(account_id) == 622
        refund(first, reason="annulé")
        refund(first, reason="annulé")
        db.session.commit()
        assert balance_cents(account_id) == 1000


def test_a_charge_the_balance_cannot_cover_is_refused_and_changes_nothing(app, scope, account_id):
    with app.app_context(), scope():
        account = _account(account_id)
        adjust(account, 300, reason="achat", idempotency_key="a1", actor_label="test")
        db.session.commit()
        with pytest.raises(InsufficientCredit) as refused:
            charge(account, 378, reason="LRAR", idempotency_key="letter:1")
        assert "ne couvre pas ce montant" in str(refused.value)
        assert "3,00" in str(refused.value) and "3,78" in str(refused.value)
        db.session.rollback()
        assert balance_cents(account_id) == 300
        assert _sum_of_entries(account_id) == 300


def test_entries_can_be_neither_changed_nor_deleted(app, scope, account_id):
    with app.app_context(), scope():
        entry = adjust(
            _account(account_id), 500, reason="achat", idempotency_key="a1", actor_label="test"
        )
        db.session.commit()
        entry.amount_cents = 50000
        with pytest.raises(LedgerIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(entry)
        with pytest.raises(LedgerIsAppendOnly):
            db.session.flush()
        db.session.rollback()
    for statement in (
        "UPDATE credit_ledger_entry SET amount_cents = 1",
        "DELETE FROM credit_ledger_entry",
    ):
        with app.app_context(), pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        with app.app_context():
            db.session.rollback()


def test_consumption_is_recorded_once_per_charge(app, scope, account_id):
    from datetime import UTC, datetime

    with app.app_context(), scope():
        account = _account(account_id)
        adjust(account, 1000, reason="achat", idempotency_key="a1", actor_label="test")
        entry = charge(account, 378, reason="LRAR", idempotency_key="letter:1")
        sent = datetime(2026, 12, 31, 21, 0, tzinfo=UTC)
        record_consumption(entry, label="LRAR n° 1", consumed_at=sent)
        record_consumption(entry, label="LRAR n° 1", consumed_at=sent)
        db.session.commit()
        rows = db.session.scalars(select(Consumption)).all()
        assert [(r.amount_cents, r.vat_rate_bp) for r in rows] == [(378, 2000)]


def test_parallel_charges_never_overdraw(app, scope, account_id, backend):
    """Many workers charge one account at once; the balance covers only some of them."""
    with app.app_context(), scope():
        adjust(
            _account(account_id), 378 * 5, reason="achat", idempotency_key="a1", actor_label="test"
        )
        db.session.commit()
    workers = 16 if backend["database"] == "postgresql" else 8
    outcomes: list[str] = []
    start = threading.Barrier(workers)

    def worker(n: int) -> None:
        with app.app_context(), scope():
            start.wait()
            try:
                charge(_account(account_id), 378, reason="LRAR", idempotency_key=f"letter:{n}")
                db.session.commit()
                outcomes.append("charged")
            except InsufficientCredit:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("charged") == 5
    assert outcomes.count("refused") == workers - 5
    with app.app_context(), scope():
        assert balance_cents(account_id) == 0
        assert _sum_of_entries(account_id) == 0
