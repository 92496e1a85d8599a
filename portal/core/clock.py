"""One clock for the whole portal: an aware UTC ``datetime``, and a tenant's local time.

Set in Python rather than by the database: SQLite's ``CURRENT_TIMESTAMP`` has whole seconds, and
tests freeze this one function.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite hands timestamps back naive, in UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def local_now(tenant: Any) -> datetime:
    """The current moment on the tenant's clock (its ``timezone``): dates on letters, emails,
    file names and invoices are the tenant's, not the server's."""
    return now().astimezone(ZoneInfo(tenant.config.timezone))


def today(tenant: Any) -> date:
    """Today where the tenant is (a document is valid through its expiry day there)."""
    return local_now(tenant).date()
