"""Single-use, expiring links (activation, first password, reset). Only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from portal.core.accounts.models import Account, AccountToken, TokenPurpose
from portal.core.clock import now
from portal.extensions import db


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(account: Account, purpose: TokenPurpose, valid_for: timedelta) -> str:
    """Create a token for ``account`` and return the raw value to put in the emailed link.

    Earlier unused tokens of the same purpose are voided: only the newest link works.
    """
    moment = now()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=moment)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            account=account, purpose=purpose, token_hash=_digest(raw), expires_at=moment + valid_for
        )
    )
    return raw


def peek_token(raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The valid token for ``raw`` without using it (to show a form), or None."""
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(raw or ""), AccountToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None:
        return None
    if _aware(token.expires_at) <= now():
        return None
    return token


def consume_token(raw: str, purpose: TokenPurpose) -> Account | None:
    """Use the token once: returns its account, or None if unknown, used or expired.

    The conditional UPDATE makes two simultaneous uses of one link succeed only once.
    """
    token = peek_token(raw, purpose)
    if token is None:
        return None
    used = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now())
    ).rowcount
    return token.account if used == 1 else None


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
