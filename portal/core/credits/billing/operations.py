"""Operator actions on an account's credit: a reasoned adjustment, the closure refund."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import audit
from portal.core.accounts.models import Account, AccountStatus
from portal.core.clock import now
from portal.core.credits import ledger
from portal.core.credits.hooks import CLOSURE_FEE
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.pricing import price_list
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

_EUROS = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")


class BillingError(Exception):
    """A refused operator action; ``str()`` is the message shown."""


def parse_euros(text: str) -> int:
    """``"12,5"`` / ``"12.50"`` / ``"12"`` → cents; ValueError for anything else."""
    match = _EUROS.match((text or "").strip().replace(" ", ""))
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def adjust_credit(account: Account, staff, amount_cents: int, reason: str, key: str):
    """Add (or take, if negative) credit with the operator's reason; never below zero."""
    with tenant_scope(account.tenant_id):
        done = db.session.scalar(
            select(LedgerEntry).where(
                LedgerEntry.account_id == account.id,
                LedgerEntry.idempotency_key == f"staff-adjust:{key}",
            )
        )
        if done is not None:  # the same form sent twice: adjusted (and audited) once
            return done
        try:
            entry = ledger.adjust(
                account,
                amount_cents,
                reason=reason.strip(),
                idempotency_key=f"staff-adjust:{key}",
                actor_label=staff.email,
            )
        except ledger.InsufficientCredit as exc:
            raise BillingError(str(exc)) from exc
        audit.record(
            "credits.adjusted",
            **audit.by_staff(staff, account.tenant_id),
            target=account,
            amount_cents=amount_cents,
            reason=reason.strip(),
            entry_id=entry.id,
        )
        db.session.flush()  # in the account's tenant: the caller may be unscoped
        return entry


def closure_refund(account: Account, staff) -> tuple[LedgerEntry, LedgerEntry]:
    """At closure: the fee (25 € excl. VAT), then the rest of the credit paid back. Once."""
    if account.status not in (AccountStatus.CLOSING, AccountStatus.CLOSED):
        raise BillingError(_l("Le compte n'est pas en cours de clôture."))
    tenant = tenant_directory().get(account.tenant_id)
    with tenant_scope(account.tenant_id):
        done = db.session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.PAYOUT
            )
        )
        if done is not None:
            raise BillingError(_l("Le crédit restant de ce compte a déjà été remboursé."))
        item = price_list(tenant)[CLOSURE_FEE]
        balance = ledger.balance_cents(account.id)
        if balance <= item.price_cents:
            raise BillingError(
                _l(
                    "Le crédit restant (%(balance)s) ne dépasse pas les frais de restitution "
                    "(%(fee)s) : il n'y a rien à rembourser.",
                    balance=ledger.euros(balance),
                    fee=ledger.euros(item.price_cents),
                )
            )
        fee = ledger.fee(
            account,
            item.price_cents,
            reason=str(item.label),
            idempotency_key=f"closure-fee:{account.id}",
            vat_rate_bp=item.vat_rate_bp,
            actor_label=staff.email,
        )
        # The fee is a service: it goes on the monthly invoice like any consumption.
        ledger.record_consumption(fee, label=str(item.label), consumed_at=now())
        payout = ledger.payout(
            account,
            balance - item.price_cents,
            reason=str(_l("Remboursement du crédit restant à la clôture du compte")),
            idempotency_key=f"closure-payout:{account.id}",
            actor_label=staff.email,
        )
        audit.record(
            "credits.closure_refunded",
            **audit.by_staff(staff, account.tenant_id),
            target=account,
            fee_cents=item.price_cents,
            refunded_cents=balance - item.price_cents,
        )
        db.session.flush()  # in the account's tenant: the caller may be unscoped
        return fee, payout
