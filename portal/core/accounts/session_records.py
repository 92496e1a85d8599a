"""Server-side login sessions: the signed cookie carries a random key, the database its record.

Every web process reads the same rows, so a logout (or « Se déconnecter de tous les appareils »)
ends the session everywhere: a cookie captured before is refused after. A record also ends at its
absolute lifetime, counted from login whatever the activity. Only the key's hash is stored.
Accounts (``AccountSession``, tenant-scoped) and staff (``StaffSession``) share these rules.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db

# The session cookie notes the last activity (for the idle timeout) at most this often, so that
# a page's answer seldom rewrites it: a cookie rewritten on every answer lets a request still
# running with the cookie of before (a document opened in a frame, a slow download) put back a
# session without what the page just stored (the chosen language, a kept form).
SEEN_EVERY_SECONDS = 60


def mark_seen(session, key: str, moment: float) -> None:
    """Record activity at ``moment`` under ``key`` in the cookie session, when the last mark is
    :data:`SEEN_EVERY_SECONDS` old (an idle timeout counts in minutes)."""
    if moment - session.get(key, 0) >= SEEN_EVERY_SECONDS:
        session[key] = moment


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class SessionRecord:
    """Mixin of a session's record: the key's hash, login time, absolute end, revocation."""

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def open_record(model: type[SessionRecord], lifetime: timedelta, **owner) -> str:
    """Add a record of ``model`` for ``owner`` ending after ``lifetime``; return the raw key
    (for the cookie). The owner's ended records go (the table holds about the live sessions).
    Written in the caller's transaction."""
    raw = secrets.token_urlsafe(32)
    moment = now()
    mine = [getattr(model, column) == value for column, value in owner.items()]
    db.session.execute(
        delete(model).where(*mine, or_(model.revoked_at.is_not(None), model.expires_at <= moment))
    )
    db.session.add(
        model(key_hash=digest(raw), created_at=moment, expires_at=moment + lifetime, **owner)
    )
    return raw


def live(model: type[SessionRecord], raw: str) -> tuple:
    """The criteria of the record of the key ``raw`` while neither revoked nor past its
    lifetime (for a query of its own or a condition of another)."""
    return model.key_hash == digest(raw), model.revoked_at.is_(None), model.expires_at > now()


def live_record(model: type[SessionRecord], raw: str | None):
    """The record of the key ``raw`` if neither revoked nor past its lifetime, else None."""
    if not raw:
        return None
    return db.session.scalar(select(model).where(*live(model, raw)))


def revoke(model: type[SessionRecord], *criteria) -> None:
    """End the live records of ``model`` matching ``criteria`` (in the caller's transaction)."""
    db.session.execute(
        update(model).where(*criteria, model.revoked_at.is_(None)).values(revoked_at=now())
    )


def revoke_key(model: type[SessionRecord], raw: str | None) -> None:
    """End the record of the key ``raw`` (a logout); nothing if there is none."""
    if raw:
        revoke(model, model.key_hash == digest(raw))
