"""Operator actions on an account's credit: a reasoned adjustment (the closure refund is
:mod:`portal.core.credits.refunds`)."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.core import audit
from portal.core.accounts.models import Account
from portal.core.credits import ledger
from portal.core.credits.models import LedgerEntry
from portal.core.tenants import tenant_scope
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
