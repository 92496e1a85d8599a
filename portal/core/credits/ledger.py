"""The ledger API plugins and core modules use: charge, refund, purchase, adjust, consume.

Every function runs inside the caller's transaction (it flushes, never commits) and takes an
idempotency key: called again with the same key — a retried job, a double click, a parallel
caller — it returns the entry already written instead of moving money twice. Like Stripe's keys,
a key names one movement: reused with another amount, kind or subject it raises
``IdempotencyKeyReused``. A debit the balance cannot cover raises ``InsufficientCredit`` with a
message for the user, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.core.credits.models import Consumption, CreditBalance, EntryKind, LedgerEntry
from portal.extensions import db

DEBITS = {EntryKind.CHARGE, EntryKind.FEE, EntryKind.PAYOUT}


def euros(cents: int) -> str:
    """``297`` → ``2,97 €`` (in the current language); ``-10`` → ``-0,10 €``."""
    from portal.core.i18n import format_money

    return format_money(cents)


def whole_euros(cents: int) -> str:
    """``3000`` → ``30 €`` (no decimals for whole euros, as amounts to buy are written);
    ``2950`` → ``29,50 €``."""
    if cents % 100:
        return euros(cents)
    from flask_babel import get_locale

    pattern = get_locale().currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "").replace(".##", "")
    return format_currency(cents // 100, "EUR", format=pattern, currency_digits=False)


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
    subject=None,
    actor_label: str | None = None,
) -> LedgerEntry:
    """A fee (incl. VAT), e.g. the closure refund's; InsufficientCredit if short."""
    if amount_cents <= 0:
        raise ValueError("a fee is a positive amount")
    return _post(
        account.id,
        EntryKind.FEE,
        -amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        vat_rate_bp=vat_rate_bp,
        subject=subject,
        actor_label=actor_label,
    )


def payout(
    account,
    amount_cents: int,
    *,
    reason: str,
    idempotency_key: str,
    subject=None,
    actor_label: str | None = None,
) -> LedgerEntry:
    """Remaining credit paid back (closure); no VAT: it is the customer's own money."""
    if amount_cents <= 0:
        raise ValueError("a payout is a positive amount")
    return _post(
        account.id,
        EntryKind.PAYOUT,
        -amount_cents,
        reason=reason,
        idempotency_key=idempotency_key,
        vat_rate_bp=0,
        subject=subject,
        actor_label=actor_label,
    )


def record_consumption(
    charge_entry: LedgerEntry,
    *,
    label: str | None = None,
    consumed_at: datetime,
    lines: Sequence[tuple[str, int, int]] | None = None,
) -> Consumption:
    """The charged item was actually sent at ``consumed_at``: it goes on that month's invoice
    (issued at the start of the next month). Idempotent per charge; returns its first line.

    ``lines`` — ``(label, amount incl. VAT, VAT rate in basis points)`` — lists the charge's
    items on the invoice, a discount among them (a negative amount); they must add up to what the
    charge debited. Without them the charge is one line, ``label``.
    """
    existing = db.session.scalar(
        select(Consumption)
        .where(Consumption.charge_entry_id == charge_entry.id)
        .order_by(Consumption.line)
        .limit(1)
    )
    if existing is not None:
        return existing
    if lines is None:
        if label is None:
            raise ValueError("a consumption needs a label or its lines")
        lines = [(label, -charge_entry.amount_cents, charge_entry.vat_rate_bp)]
    if sum(amount for _, amount, _ in lines) != -charge_entry.amount_cents:
        raise ValueError("the lines of a consumption add up to what its charge debited")
    rows = [
        Consumption(
            account_id=charge_entry.account_id,
            charge_entry_id=charge_entry.id,
            line=number,
            label=str(line_label)[:300],
            amount_cents=amount,
            vat_rate_bp=rate,
            consumed_at=consumed_at,
        )
        for number, (line_label, amount, rate) in enumerate(lines)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows[0]


def item_lines(items: Iterable) -> list[tuple[str, int, int]]:
    """The invoice lines of priced items (``PricedItem``s; a discount item is a negative line)."""
    return [(str(item.label), item.price_cents, item.vat_rate_bp) for item in items]


def charge_items(
    account,
    items: Sequence,
    *,
    reason: str,
    idempotency_key: str,
    subject=None,
    actor_label: str | None = None,
) -> LedgerEntry:
    """Debit the sum of priced items (a discount item lowers it) as one charge. Record its lines
    with ``record_consumption(entry, lines=item_lines(items), consumed_at=…)`` once sent."""
    total = sum(item.price_cents for item in items)
    rates = {item.vat_rate_bp for item in items if not getattr(item, "discount", False)}
    return charge(
        account,
        total,
        reason=reason,
        idempotency_key=idempotency_key,
        # The entry's own rate is the items' one when they share it (their lines keep theirs).
        vat_rate_bp=rates.pop() if len(rates) == 1 else items[0].vat_rate_bp,
        subject=subject,
        actor_label=actor_label,
    )
