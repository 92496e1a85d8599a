"""One clock for the whole portal: an aware UTC ``datetime``.

Set in Python rather than by the database: SQLite's ``CURRENT_TIMESTAMP`` has whole seconds, and
tests freeze this one function.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)
