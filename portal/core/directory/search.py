"""Finding an insurer or a bank by a few letters of its name.

The name is folded once, when it is set (:func:`search_key`: no accents, case or punctuation), into
``search_key`` (words separated by one space) and ``compact_key`` (no space at all). What is typed
is folded the same way, so « maïf », « MAIF » and « M.A.I.F » find « MAIF ». One SQL statement
filters, ranks and cuts:

- rank 0, the name starts with the text (« ma » → « MAAF », « MACIF »);
- rank 1, a word of the name starts with it (« mutuelle » → « Harmonie Mutuelle »);
- rank 2, the text is anywhere else in the name (« aci » → « MACIF »);

alphabetical (folded) within a rank; inactive entries are never offered.

Speed (``bench/directory_search.py``): the statement scans the tenant's rows of the kind (about
2.5 ms for 10,000 entries on PostgreSQL). No index can do better under row-level security:
``LIKE`` is not a leakproof operator, so PostgreSQL evaluates it only after the tenant policy,
row by row, and never through an index (a ``pg_trgm`` index was measured: unused).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Select, case, select

from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.extensions import db

MIN_CHARACTERS = 2
MAX_LIMIT = 50

# Letters NFKD does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def search_key(text: str) -> str:
    """``text`` folded for search: lower case, no accents, punctuation as single spaces."""
    lowered = (text or "").lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def compact_key(text: str) -> str:
    """``text`` folded for search with no space at all (« M.A.I.F » → ``maif``)."""
    return search_key(text).replace(" ", "")


def long_enough(text: str) -> bool:
    """Whether ``text`` has the :data:`MIN_CHARACTERS` letters or digits a search needs."""
    return len(compact_key(text)) >= MIN_CHARACTERS


def ranked_query(text: str, *, kind: EntryKind | None) -> Select | None:
    """The statement of a search (active entries only), or None when ``text`` is too short."""
    key = search_key(text)
    compact = key.replace(" ", "")
    if len(compact) < MIN_CHARACTERS:
        return None
    # Folded keys hold only [a-z0-9 ]: nothing to escape in the patterns.
    rank = case(
        (DirectoryEntry.compact_key.like(f"{compact}%"), 0),
        (DirectoryEntry.search_key.like(f"% {key}%"), 1),
        else_=2,
    )
    # Containing the typed words implies containing them without spaces: one condition.
    statement = select(DirectoryEntry).where(
        DirectoryEntry.active.is_(True), DirectoryEntry.compact_key.like(f"%{compact}%")
    )
    if kind is not None:
        statement = statement.where(DirectoryEntry.kind == kind)
    return statement.order_by(rank, DirectoryEntry.search_key, DirectoryEntry.id)


def search(
    text: str, *, kind: EntryKind = EntryKind.INSURER, limit: int = 10
) -> list[DirectoryEntry]:
    """Active entries of the current tenant whose folded name contains the folded ``text``,
    ranked (start of the name, start of a word, elsewhere), at most ``limit`` (≤ 50); nothing
    under :data:`MIN_CHARACTERS` letters or digits."""
    statement = ranked_query(text, kind=kind)
    if statement is None or limit <= 0:
        return []
    return list(db.session.scalars(statement.limit(min(limit, MAX_LIMIT))))


def active_entry(entry_id, *, kind: EntryKind = EntryKind.INSURER) -> DirectoryEntry | None:
    """The current tenant's active entry of ``kind`` with this id (None when unknown, inactive,
    of another kind or another tenant's)."""
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
