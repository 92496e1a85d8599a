"""The ledger API plugins and core modules use: charge, refund, purchase, adjust, consume.

Every function runs inside the caller's transaction (it flushes, never commits) and takes an
idempotency key: called again with the same key — a retried job, a double click, a parallel
caller — it returns the entry already written instead of moving money twice. Like Stripe's keys,
a key names one movement: reused with another amount, kind or subject it raises
``IdempotencyKeyReused``. A debit the balance cannot cover raises ``InsufficientCredit`` with a
message for the user, and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.core.credits.models import Consumption, CreditBalance, EntryKind, LedgerEntry
from portal.extensions import db

DEBITS = {EntryKind.CHARGE, EntryKind.FEE, EntryKind.PAYOUT}


def euros(cents: int) -> str:
    """``297`` → ``2,97 €`` (in the current language)."""
    return format_currency(cents / 100, "EUR")


class IdempotencyKeyReused(ValueError):
    """A key already names a movement with another amount, kind or subject: a caller's bug."""

    def __init__(self, entry: LedgerEntry, written: tuple, asked: tuple):
        super().__init__(
            f"idempotency key {entry.idempotency_key!r} of account {entry.account_id} already "
            f"names entry {entry.id} {written}, not {asked}"
        )


class InsufficientCredit(Exception):
    """The balance does not cover a debit. ``str()`` is the message shown to the user."""

    def __init__(self, balance_cents: int, needed_cents: int):
        self.balance_cents = balance_cents
        self.needed_cents = needed_cents
        super().__init__(balance_cents, needed_cents)

    def __str__(self) -> str:
        return str(
            _l(
                "Votre crédit (%(balance)s) ne couvre pas ce montant (%(needed)s). "
                "Achetez des crédits pour continuer.",
                balance=euros(self.balance_cents),
                needed=euros(self.needed_cents),
            )
        )


def balance_cents(account_id: int) -> int:
    """The account's current credit, in cents (0 before its first movement)."""
    value = db.session.scalar(
        select(CreditBalance.balance_cents).where(CreditBalance.account_id == account_id)
    )
    return value or 0


def _ensure_balance_row(account_id: int) -> None:
    if db.session.scalar(select(CreditBalance.id).where(CreditBalance.account_id == account_id)):
        return
    try:
        with db.session.begin_nested():  # a parallel first movement may create it first
            db.session.add(CreditBalance(account_id=account_id, balance_cents=0))
    except IntegrityError:
        pass


def _movement(kind: EntryKind, amount_cents: int, subject_type, subject_id) -> tuple:
    """What an idempotency key stands for: the same call must ask for the same movement."""
    return (EntryKind(kind).value, amount_cents, subject_type, subject_id)


def _entry_with_key(account_id: int, idempotency_key: str) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account_id, LedgerEntry.idempotency_key == idempotency_key
        )
    )


def _already_written(entry: LedgerEntry, asked: tuple) -> LedgerEntry:
    written = _movement(entry.kind, entry.amount_cents, entry.subject_type, entry.subject_id)
    if written != asked:
        raise IdempotencyKeyReused(entry, written, asked)
    return entry


def _post(
    account_id: int,
    kind: EntryKind,
    amount_cents: int,
    *,
    reason: str,
    idempotency_key: str,
    vat_rate_bp: int = 2000,
    subject=None,
    actor_label: str | None = None,
) -> LedgerEntry:
    if not isinstance(amount_cents, int):
        raise TypeError("amounts are integer cents")
    subject_type = type(subject).__name__ if subject is not None else None
    subject_id = getattr(subject, "id", None)
    asked = _movement(kind, amount_cents, subject_type, subject_id)
    existing = _entry_with_key(account_id, idempotency_key)
    if existing is not None:
        return _already_written(existing, asked)
    entry = LedgerEntry(
        account_id=account_id,
        kind=kind,
        amount_cents=amount_cents,
        vat_rate_bp=vat_rate_bp,
        reason=reason,
        subject_type=subject_type,
        subject_id=subject_id,
        idempotency_key=idempotency_key,
        actor_label=actor_label,
    )
    try:
        # One savepoint for the entry and the balance: a refused debit leaves neither behind.
        with db.session.begin_nested():
            # The entry first: its unique key makes a parallel caller with the same key wait
            # here, then fail, before it touches the balance.
            db.session.add(entry)
            db.session.flush()
            _move_balance(account_id, amount_cents)
    except IntegrityError:
        existing = _entry_with_key(account_id, idempotency_key)
        if existing is None:
            raise
        return _already_written(existing, asked)
    return entry


def _move_balance(account_id: int, amount_cents: int) -> None:
    _ensure_balance_row(account_id)
    change = update(CreditBalance).where(CreditBalance.account_id == account_id)
    if amount_cents < 0:
        # One atomic statement: the database refuses to go below zero, even under concurrency.
        change = change.where(CreditBalance.balance_cents + amount_cents >= 0)
    applied = db.session.execute(
        change.values(balance_cents=CreditBalance.balance_cents + amount_cents),
        execution_options={"synchronize_session": False},
    ).rowcount
    if applied != 1:
        raise InsufficientCredit(balance_cents(account_id), -amount_cents)


def charge(
    account,
    amount_cents: int,
    *,
    reason: str,
    idempotency_key: str,
    vat_rate_bp: int = 2000,
    subject=None,
    actor_label: str | None = None,
) -> LedgerEntry:
    """Debit ``amount_cents`` (incl. VAT) for a send or a service; InsufficientCredit if short."""
    if amount_cents <= 0:
        raise ValueError("a charge is a positive amount")
    return _post(
        account.id,
        EntryKind.CHARGE,
        -amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        vat_rate_bp=vat_rate_bp,
        subject=subject,
        actor_label=actor_label,
    )


def refund(
    charge_entry: LedgerEntry, *, reason: str, actor_label: str | None = None
) -> LedgerEntry:
    """Give a charge back in full, once (its key derives from the charge)."""
    if charge_entry.kind != EntryKind.CHARGE:
        raise ValueError("only a charge can be refunded")
    return _post(
        charge_entry.account_id,
        EntryKind.REFUND,
        -charge_entry.amount_cents,
        reason=reason,
        idempotency_key=f"refund:{charge_entry.id}",
        vat_rate_bp=charge_entry.vat_rate_bp,
        subject=charge_entry,
        actor_label=actor_label,
    )


def purchase(account_id: int, amount_cents: int, *, payment) -> LedgerEntry:
    """Credit a successful payment, exactly once per payment."""
    if amount_cents <= 0:
        raise ValueError("a purchase is a positive amount")
    return _post(
        account_id,
        EntryKind.PURCHASE,
        amount_cents,
        reason=f"Achat de crédits (paiement {payment.provider_ref or payment.id})",
        idempotency_key=f"payment:{payment.id}",
        subject=payment,
    )


def adjust(
    account, amount_cents: int, *, reason: str, idempotency_key: str, actor_label: str
) -> LedgerEntry:
    """An operator's correction (+ or -), never below zero; the caller writes the audit entry."""
    if amount_cents == 0 or not reason.strip():
        raise ValueError("an adjustment needs an amount and a reason")
    return _post(
        account.id,
        EntryKind.ADJUSTMENT,
        amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        actor_label=actor_label,
    )


def fee(
    account,
    amount_cents: int,
    *,
    reason: str,
    idempotency_key: str,
    vat_rate_bp: int = 2000,
    actor_label: str | None = None,
) -> LedgerEntry:
    return _post(
        account.id,
        EntryKind.FEE,
        -amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        vat_rate_bp=vat_rate_bp,
        actor_label=actor_label,
    )


def payout(
    account, amount_cents: int, *, reason: str, idempotency_key: str, actor_label: str | None = None
) -> LedgerEntry:
    """Remaining credit paid back (closure); no VAT: it is the customer's own money."""
    return _post(
        account.id,
        EntryKind.PAYOUT,
        -amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        vat_rate_bp=0,
        actor_label=actor_label,
    )


def record_consumption(
    charge_entry: LedgerEntry, *, label: str, consumed_at: datetime
) -> Consumption:
    """The charged item was actually sent at ``consumed_at``: it goes on that month's invoice
    (issued at the start of the next month). Idempotent per charge."""
    existing = db.session.scalar(
        select(Consumption).where(Consumption.charge_entry_id == charge_entry.id)
    )
    if existing is not None:
        return existing
    consumption = Consumption(
        account_id=charge_entry.account_id,
        charge_entry_id=charge_entry.id,
        label=label,
        amount_cents=-charge_entry.amount_cents,
        vat_rate_bp=charge_entry.vat_rate_bp,
        consumed_at=consumed_at,
    )
    db.session.add(consumption)
    db.session.flush()
    return consumption
