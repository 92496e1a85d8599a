"""The message being written (« Envoyer un message »), kept between steps as the account's core
draft (:mod:`portal.core.drafts`, on the server: any text length, any web process).

A half-filled wizard is never lost: going back keeps the choices and the text. The draft holds
codes, never labels: each request resolves them again through the current tenant's taxonomy
(``taxonomy.select_path``), so a code that is not offered any more (another category, a changed
taxonomy, another tenant's) is dropped instead of trusted.

The draft carries a token, the request key of its conversation: the same summary posted twice
(a double click, the back button) finds the conversation it already started.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from portal.core import drafts
from portal.core.messaging.taxonomy import Selection, TaxonomyNode, select_path

KIND = "secure_messaging.message"
KEEP_AT_MOST = 20_000  # characters of a refused text kept (far beyond any message limit)


def load(account_id: int) -> dict:
    """The account's draft, or a new empty one (not saved until :func:`save`)."""
    draft = drafts.load(account_id, KIND)
    if draft is not None:
        return draft
    return {
        "account_id": account_id,
        "codes": [],
        "body": "",
        "dismissed": [],
        "token": secrets.token_urlsafe(12),
    }


def save(draft: dict) -> None:
    """Keep the draft (the view commits)."""
    drafts.save(draft["account_id"], KIND, draft)


def clear(account_id: int) -> None:
    drafts.discard(account_id, KIND)


def in_progress(draft: dict) -> bool:
    return bool(draft.get("codes"))


def selection(themes: Sequence[TaxonomyNode], draft: dict) -> Selection:
    """The draft's path, cut at the first code the taxonomy does not offer (any more)."""
    return _longest_valid(themes, list(draft.get("codes") or []))


def _longest_valid(themes: Sequence[TaxonomyNode], codes: list[str]) -> Selection:
    for length in range(len(codes), 0, -1):
        found = select_path(themes, codes[:length])
        if found is not None:
            return found
    return Selection(())


def choose(themes: Sequence[TaxonomyNode], draft: dict, level: int, code: str) -> Selection | None:
    """Choose ``code`` at ``level`` (0 theme, 1 topic, 2 reason). The later choices are kept as far
    as they are still offered under the new choice; None (nothing stored) for a code not offered.
    """
    codes = list(selection(themes, draft).codes)
    if select_path(themes, [*codes[:level], code]) is None:
        return None
    chosen = _longest_valid(themes, [*codes[:level], code, *codes[level + 1 :]])
    draft["codes"] = list(chosen.codes)
    return chosen


def keep_body(draft: dict, text: str | None) -> None:
    """Keep what the user typed, even refused (it is shown again with the error)."""
    draft["body"] = (text or "")[:KEEP_AT_MOST]


def is_dismissed(draft: dict, codes: Sequence[str]) -> bool:
    return list(codes) in (draft.get("dismissed") or [])


def dismiss(draft: dict, codes: Sequence[str]) -> None:
    """The user closed the online-service dialog of the node at the end of ``codes``."""
    if not is_dismissed(draft, codes):
        draft["dismissed"] = [*(draft.get("dismissed") or []), list(codes)]
