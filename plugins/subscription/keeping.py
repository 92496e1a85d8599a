"""What the client typed on the subscription pages, kept in their browser's session only,
encrypted (the session cookie is signed, not secret: a NIR or an IBAN must not be readable in
it), one entry per quote. Nothing reaches the database before « Signer le contrat »; leaving
the browser loses it (the guide: « il faudra reprendre le parcours … au premier écran »)."""

from __future__ import annotations

import base64
import hashlib
import json

from flask import current_app, session

SESSION_KEY = "subscription_subscribe"
_PURPOSE = b"subscription:subscribe-values:v1"


def _fernet():
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def _slot(quote_id: int) -> str:
    # The quote's id is not told in the cookie either (its hash, keyed by the purpose).
    return hashlib.sha256(_PURPOSE + str(quote_id).encode()).hexdigest()[:16]


def load(quote_id: int) -> dict:
    """The values kept for the quote: ``{step: {field: value}}`` (empty when none, or when they
    cannot be read: another secret key, a tampered cookie)."""
    from cryptography.fernet import InvalidToken

    token = (session.get(SESSION_KEY) or {}).get(_slot(quote_id))
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}


def save(quote_id: int, values: dict) -> None:
    """Keep ``values`` (JSON-able) for the quote, replacing what was kept."""
    token = _fernet().encrypt(json.dumps(values, separators=(",", ":")).encode()).decode()
    kept = dict(session.get(SESSION_KEY) or {})
    kept[_slot(quote_id)] = token
    session[SESSION_KEY] = kept


def keep_step(quote_id: int, step: str, step_values: dict) -> dict:
    """Keep one step's values (the others stay); returns everything kept."""
    values = load(quote_id)
    values[step] = step_values
    save(quote_id, values)
    return values


def clear(quote_id: int) -> None:
    """Forget the quote's values (signed, or no longer subscribable)."""
    kept = dict(session.get(SESSION_KEY) or {})
    if kept.pop(_slot(quote_id), None) is not None:
        session[SESSION_KEY] = kept
