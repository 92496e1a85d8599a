"""Prepaid credit: an append-only ledger in integer cents, the balance it derives, payments,
what was consumed (for monthly invoices), and numbered billing documents."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class EntryKind(enum.StrEnum):
    PURCHASE = "purchase"  # credit bought (+)
    CHARGE = "charge"  # a send or a service (-)
    REFUND = "refund"  # a charge given back, e.g. a cancelled scheduled send (+)
    FEE = "fee"  # e.g. the closure refund fee (-)
    ADJUSTMENT = "adjustment"  # an operator's correction, with its reason (+/-)
    PAYOUT = "payout"  # remaining credit paid back at closure (-)


class LedgerEntry(TenantScoped, db.Model):
    """One movement of an account's credit. Never updated, deleted or truncated (ORM and
    database)."""

    __tablename__ = "credit_ledger_entry"
    __table_args__ = (
        UniqueConstraint("tenant_id", "account_id", "idempotency_key", name="uq_credit_entry_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # signed: + credits, - debits
    vat_rate_bp: Mapped[int] = mapped_column(default=2000)  # basis points: 2000 = 20 %
    reason: Mapped[str] = mapped_column(String(300))
    # The object the movement is about (a letter, a payment, an identity verification…).
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[int | None]
    idempotency_key: Mapped[str] = mapped_column(String(160))
    actor_label: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class LedgerIsAppendOnly(RuntimeError):
    pass


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise LedgerIsAppendOnly("ledger entries cannot be changed or deleted")


class CreditBalance(TenantScoped, db.Model):
    """The sum of an account's entries, kept in step by the same transaction that adds them.

    Debits go through one conditional UPDATE (``balance >= amount``), which the database applies
    atomically: parallel charges can never take the balance below zero; a ``CHECK`` refuses a
    negative balance whatever statement writes it.
    """

    __tablename__ = "credit_balance"
    __table_args__ = (
        UniqueConstraint("account_id", name="uq_credit_balance_account_id"),
        CheckConstraint("balance_cents >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Consumption(TenantScoped, db.Model):
    """A charged item actually sent: what the monthly invoice of the following month lists.

    A scheduled send is charged on validation (ledger) but consumed, hence invoiced, in the month
    it is actually sent; a cancelled one is refunded and never consumed. One charge may list
    several lines (``line`` 0, 1, …): its items, a discount among them (a negative amount).
    """

    __tablename__ = "credit_consumption"
    __table_args__ = (
        UniqueConstraint("charge_entry_id", "line", name="uq_credit_consumption_charge_line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    charge_entry_id: Mapped[int] = mapped_column(ForeignKey("credit_ledger_entry.id"))
    line: Mapped[int] = mapped_column(default=0, server_default="0")
    label: Mapped[str] = mapped_column(String(300))
    # incl. VAT; negative for a discount line (the lines of a charge add up to what it debited)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate_bp: Mapped[int]
    consumed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_document.id"), index=True)


class PaymentStatus(enum.StrEnum):
    CREATED = "created"  # sent to the bank's page
    AUTHENTICATING = "authenticating"  # 3-D Secure step
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    EXPIRED = "expired"


class Payment(TenantScoped, db.Model):
    """A purchase of credit through a payment provider; credited once, whatever arrives twice."""

    __tablename__ = "credit_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, 16))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentType(enum.StrEnum):
    RECEIPT = "receipt"  # R… one per purchase
    MONTHLY_INVOICE = "monthly_invoice"  # M… the previous month's consumption
    # C… at closure: the invoice of the refund fee and the statement of the amount paid back
    REFUND_STATEMENT = "refund_statement"


class BillingDocument(TenantScoped, db.Model):
    """A receipt or a monthly invoice, numbered per tenant without gaps, with its PDF."""

    __tablename__ = "billing_document"
    __table_args__ = (UniqueConstraint("tenant_id", "number", name="uq_billing_document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 24))
    number: Mapped[str] = mapped_column(String(32))
    issued_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)  # incl. VAT
    vat_breakdown: Mapped[dict] = mapped_column(JSON, default=dict)  # rate → {base, vat}
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("credit_payment.id"), unique=True)
    storage_key: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NumberSequence(TenantScoped, db.Model):
    """The next number of a series (R, M) of a tenant; taken under a row lock: no gaps."""

    __tablename__ = "billing_number_sequence"
    __table_args__ = (UniqueConstraint("tenant_id", "series", name="uq_billing_sequence_series"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(8))
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"  # the holder asked, an operator has not paid yet
    EXECUTED = "executed"  # fee charged, the rest transferred and recorded


class RefundRequest(TenantScoped, db.Model):
    """The holder's request, at closure, that the remaining credit be paid back by transfer.

    One per account: asked again before it is executed, the same request takes the new bank
    details. The operator who makes the transfer needs the whole IBAN, so it is kept in full while
    the request waits (shown in full in the back office only, masked to the holder); once the
    transfer is recorded, only the masked IBAN (country, check digits, last four) is kept, with
    the holder's name, on the request and on its statement — the account's purge keeps a
    request that still waits: the money is owed.
    """

    __tablename__ = "credit_refund_request"
    __table_args__ = (UniqueConstraint("account_id", name="uq_credit_refund_request_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus, 16))
    iban: Mapped[str | None] = mapped_column(String(34))  # compact; None once executed
    iban_masked: Mapped[str] = mapped_column(String(48))
    bic: Mapped[str | None] = mapped_column(String(11))
    account_holder: Mapped[str] = mapped_column(String(140))
    # Where the confirmation goes (the login address is wiped by the purge).
    contact_email: Mapped[str | None] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(254))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    executed_by: Mapped[str | None] = mapped_column(String(254))
    balance_cents: Mapped[int | None] = mapped_column(BigInteger)  # credit when executed
    fee_cents: Mapped[int | None] = mapped_column(BigInteger)  # incl. VAT
    paid_cents: Mapped[int | None] = mapped_column(BigInteger)  # transferred
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("billing_document.id"))
