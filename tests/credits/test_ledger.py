"""The prepaid ledger: integer cents, append-only, idempotent, never overdrawn."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from portal.core import audit
from portal.core.accounts.models import Account
from portal.core.audit import AuditEntry
from portal.core.credits.ledger import (
    IdempotencyKeyReused,
    InsufficientCredit,
    adjust,
    balance_cents,
    charge,
    fee,
    record_consumption,
    refund,
)
from portal.core.credits.models import Consumption, LedgerEntry, LedgerIsAppendOnly
from portal.core.tenants import tenant_scope, unscoped
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


@dataclass
class Letter:
    id: int


@pytest.mark.parametrize(
    "reused_as",
    [
        pytest.param({"amount_cents": 500, "subject": Letter(1)}, id="another amount"),
        pytest.param({"amount_cents": 378, "subject": Letter(2)}, id="another subject"),
        pytest.param({"amount_cents": 378, "subject": None}, id="no subject"),
        pytest.param({"kind": "fee"}, id="another kind"),
    ],
)
def test_a_key_reused_for_another_movement_is_an_error(app, scope, account_id, reused_as):
    with app.app_context(), scope():
        account = _account(account_id)
        adjust(account, 1000, reason="achat", idempotency_key="a1", actor_label="test")
        first = charge(account, 378, reason="LRAR", idempotency_key="letter:1", subject=Letter(1))
        db.session.commit()
        with pytest.raises(IdempotencyKeyReused, match="letter:1"):
            if reused_as.get("kind") == "fee":
                fee(account, 378, reason="LRAR", idempotency_key="letter:1")
            else:
                charge(account, reason="LRAR", idempotency_key="letter:1", **reused_as)
        db.session.rollback()
        again = charge(account, 378, reason="LRAR", idempotency_key="letter:1", subject=Letter(1))
        assert again.id == first.id
        assert balance_cents(account_id) == 622
        assert _sum_of_entries(account_id) == 622


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
        # Raw SQL across tenants, as a DBA would run it (row-level security lets it reach rows).
        with app.app_context(), unscoped(), pytest.raises(Exception, match="append-only"):
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


def test_parallel_callers_with_one_key_all_get_the_one_entry(app, scope, account_id, backend):
    """A retried job racing its first run, a double click: one movement, no error for anyone."""
    with app.app_context(), scope():
        adjust(_account(account_id), 1000, reason="achat", idempotency_key="a1", actor_label="t")
        db.session.commit()
    workers = 50 if backend["database"] == "postgresql" else 8
    entry_ids: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def worker() -> None:
        with app.app_context(), scope():
            start.wait(timeout=60)
            try:
                entry = charge(_account(account_id), 378, reason="LRAR", idempotency_key="letter:1")
                db.session.commit()
                entry_ids.append(entry.id)
            except BaseException as exc:  # every caller must succeed: record, then assert
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(entry_ids) == workers and len(set(entry_ids)) == 1
    with app.app_context(), scope():
        assert balance_cents(account_id) == 1000 - 378
        assert _sum_of_entries(account_id) == 1000 - 378


def test_the_database_refuses_a_negative_balance(app, scope, account_id):
    with app.app_context(), scope():
        adjust(_account(account_id), 300, reason="achat", idempotency_key="a1", actor_label="t")
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE credit_balance SET balance_cents = -78 WHERE account_id = :id"),
                {"id": account_id},
            )
        db.session.rollback()
        assert balance_cents(account_id) == 300


@pytest.mark.parametrize("table", ["credit_ledger_entry", "audit_entry"])
def test_append_only_tables_cannot_be_emptied_at_once(app, scope, account_id, backend, table):
    """PostgreSQL's TRUNCATE skips row triggers: a statement trigger refuses it. SQLite has no
    TRUNCATE; its one-statement DELETE is refused by the row triggers."""
    with app.app_context(), scope():
        adjust(_account(account_id), 300, reason="achat", idempotency_key="a1", actor_label="t")
        recorded = audit.record("test.credit_adjusted", **audit.by_system("test"))
        db.session.commit()
        recorded_id = recorded.id
    if backend["database"] == "postgresql":
        statement = f"TRUNCATE {table} CASCADE"
    else:
        statement = f"DELETE FROM {table}"
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    with app.app_context(), scope():
        assert _sum_of_entries(account_id) == 300
        assert db.session.get(AuditEntry, recorded_id) is not None
