"""A sending's contents past their retention: the stored PDFs of a letter that has left are
deleted, the rows stay (position, name, fingerprint, pages: what was sent is still known, and
the proofs — kept for their own retention by the evidence archive — still point at it).

A purged document keeps an empty ``storage_key``: the marker that its file is gone. The plugin
that owns the sending decides when (e.g. paper mail's ``[retention] paper_contents_days``).
"""

from __future__ import annotations

from portal.core.sendings.errors import SendingError
from portal.core.sendings.models import Sending
from portal.core.sendings.operators.base import SendingState
from portal.core.storage import storage
from portal.extensions import db

# Before the hand-over the operator still needs the files: they are never purged then.
NOT_LEFT = frozenset(
    {SendingState.DRAFT, SendingState.VALIDATED, SendingState.SCHEDULED, SendingState.DUE}
)


def has_left(sending: Sending) -> bool:
    """The operator has it (or it ended, cancelled or failed): its files are no longer needed."""
    return sending.state not in NOT_LEFT


def contents_purged(sending: Sending) -> bool:
    """Every document's file is gone (a sending with no documents counts as purged)."""
    return all(not document.storage_key for document in sending.documents)


def purge_contents(sending: Sending) -> int:
    """Delete the stored files of ``sending``'s documents and mark each row (empty
    ``storage_key``); how many files were deleted (0 when done before: safe to run twice).
    Raises :class:`SendingError` for a sending that has not left yet. No commit."""
    if not has_left(sending):
        raise SendingError()
    store = storage()
    deleted = 0
    for document in sending.documents:
        if not document.storage_key:
            continue
        # A missing file is no error: a purge whose transaction was rolled back after the
        # files went is simply run again.
        store.delete(document.storage_key)
        document.storage_key = ""
        deleted += 1
    if deleted:
        db.session.flush()
    return deleted
