"""Public references of the portal's objects (« SIG-7K3M9Q2X4T », « ENV-… ») and the pair that
names a plugin's own object on a core row."""

from __future__ import annotations

import secrets

from portal.extensions import db

# Letters and digits no one misreads when a reference is read aloud or typed (no 0/O, 1/I/L, U).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10


def new_reference(prefix: str, column) -> str:
    """``prefix`` + 10 unambiguous characters, not yet in ``column`` (a model's unique column;
    the unique constraint stays the guarantee, this only avoids a failed insert)."""
    from sqlalchemy import select

    for _attempt in range(10):
        reference = prefix + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.scalar(select(column).where(column == reference)) is None:
            return reference
    raise RuntimeError(f"no free {prefix} reference")


def subject_of(subject) -> tuple[str | None, int | None]:
    """``(type, id)`` of the object a plugin attaches: a model instance, a pair, or None."""
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        return subject[0], subject[1]
    return type(subject).__name__, subject.id
