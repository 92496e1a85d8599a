"""Finding an insurer or a bank by a few letters of its name.

(A first working version; ranking and speed are refined with the directory module.)"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.extensions import db

MIN_CHARACTERS = 2


def search_key(text: str) -> str:
    """``text`` folded for search: lower case, no accents, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def search(
    text: str, *, kind: EntryKind = EntryKind.INSURER, limit: int = 10
) -> list[DirectoryEntry]:
    """Active entries of the current tenant whose name contains ``text`` (folded), names starting
    with it first, then alphabetical; nothing under :data:`MIN_CHARACTERS` characters."""
    key = search_key(text)
    if len(key) < MIN_CHARACTERS:
        return []
    rows = db.session.scalars(
        select(DirectoryEntry)
        .where(
            DirectoryEntry.kind == kind,
            DirectoryEntry.active.is_(True),
            DirectoryEntry.search_key.contains(key, autoescape=True),
        )
        .order_by(DirectoryEntry.search_key)
    ).all()
    rows = sorted(rows, key=lambda entry: not entry.search_key.startswith(key))
    return rows[:limit]


def active_entry(entry_id, *, kind: EntryKind = EntryKind.INSURER) -> DirectoryEntry | None:
    """The current tenant's active entry with this id (None when unknown, inactive or foreign)."""
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(
        select(DirectoryEntry).where(
            DirectoryEntry.id == entry_id,
            DirectoryEntry.kind == kind,
            DirectoryEntry.active.is_(True),
        )
    )
