"""Pure rules of messaging: the length of a message, the age of an unanswered conversation."""

from __future__ import annotations

from datetime import datetime, timedelta

OPERATOR_MAX_CHARS = 10000


def normalize_body(text: str | None) -> str:
    """The message as stored and counted: line breaks as ``\\n`` (browsers send ``\\r\\n``, the
    live counter sees ``\\n``), surrounding blanks removed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def length_problem(text: str, minimum: int, maximum: int) -> tuple[str, int] | None:
    """``("short", n)`` or ``("long", n)`` with the length of the normalized ``text`` when it is
    outside ``minimum``–``maximum`` characters; None when it fits."""
    length = len(normalize_body(text))
    if length < minimum:
        return ("short", length)
    if length > maximum:
        return ("long", length)
    return None


def waiting_for(since: datetime | None, now: datetime) -> timedelta | None:
    """How long the user has been waiting for an answer (None when an operator replied last)."""
    if since is None:
        return None
    if since.tzinfo is None:  # SQLite hands back naive UTC datetimes
        since = since.replace(tzinfo=now.tzinfo)
    return max(now - since, timedelta(0))
