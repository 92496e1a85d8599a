"""Quote and contract numbers: one counter per tenant and prefix, taken under its row lock so
two agents issuing at once never get the same number."""

from __future__ import annotations

from sqlalchemy import select

from plugins.subscription.models import NumberCounter
from portal.core.database import insert_ignoring_duplicates, take_sqlite_write_lock
from portal.core.tenants.scoping import active_tenant_id
from portal.extensions import db


def next_number(prefix: str) -> int:
    """The next number of ``prefix`` in the current tenant (1, 2, …), in the caller's
    transaction."""
    take_sqlite_write_lock(NumberCounter.__tablename__)
    db.session.execute(
        insert_ignoring_duplicates(NumberCounter).values(
            tenant_id=active_tenant_id(), prefix=prefix, last=0
        )
    )
    counter = db.session.scalars(
        select(NumberCounter)
        .where(NumberCounter.prefix == prefix)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last += 1
    db.session.flush()
    return counter.last
