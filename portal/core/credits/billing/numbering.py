"""Gapless numbers per tenant and series (R1, R2… receipts; M1, M2… invoices; the messaging
conversations' MSG series, shown as M-000001)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.core.credits.models import NumberSequence
from portal.core.tenants import active_tenant_id
from portal.extensions import db


def next_number(series: str) -> str:
    """Take the next number of ``series`` for the active tenant, e.g. ``"R36339"``."""
    return f"{series}{next_value(series)}"


def next_value(series: str) -> int:
    """Take the next value of ``series`` for the active tenant: 1, then 2…

    Call it in the transaction that inserts the document: the sequence row stays locked until
    that transaction ends, so parallel callers queue, and a rollback gives the number back (no
    gap). The increment is one UPDATE rather than a ``SELECT … FOR UPDATE`` then a write: it
    locks the row on PostgreSQL and takes SQLite's write lock at once (a read-then-write would
    fail there when another writer committed in between).
    """
    tenant_id = active_tenant_id()
    for _attempt in range(2):
        taken = db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.tenant_id == tenant_id, NumberSequence.series == series)
            .values(next_value=NumberSequence.next_value + 1),
            execution_options={"synchronize_session": False},
        ).rowcount
        if taken == 1:
            value = db.session.scalar(
                select(NumberSequence.next_value).where(
                    NumberSequence.tenant_id == tenant_id, NumberSequence.series == series
                )
            )
            return value - 1
        try:
            with db.session.begin_nested():  # a parallel first document may create it first
                db.session.add(NumberSequence(series=series, next_value=1))
        except IntegrityError:
            pass
    raise RuntimeError(f"could not take a number in series {series!r}")
