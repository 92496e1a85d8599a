"""Password hashing (argon2) and the password policy: at least 12 characters, with an uppercase
and a lowercase letter, a digit and a special character."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()
MIN_LENGTH = 12

POLICY = [
    (lambda p: len(p) >= MIN_LENGTH, _l("au moins 12 caractères")),
    (lambda p: re.search(r"[A-Z]", p), _l("une majuscule")),
    (lambda p: re.search(r"[a-z]", p), _l("une minuscule")),
    (lambda p: re.search(r"\d", p), _l("un chiffre")),
    (lambda p: re.search(r"[^A-Za-z0-9]", p), _l("un caractère spécial")),
]


def policy_failures(password: str) -> list:
    """What the password lacks, as translatable phrases (empty when it is acceptable)."""
    return [label for rule, label in POLICY if not rule(password or "")]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so response times do not reveal accounts.
        _hasher.hash(password or "-")
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
