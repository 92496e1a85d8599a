"""The message being written (« Envoyer un message »), kept in the Flask session between steps.

A half-filled wizard is never lost: going back keeps the choices and the text. The draft holds
codes, never labels: each request resolves them again through the current tenant's taxonomy
(``taxonomy.select_path``), so a code that is not offered any more (another category, a changed
taxonomy, another tenant's) is dropped instead of trusted.

The draft carries a token consumed on send: the same summary posted twice (a double click, the
back button) finds it gone and is sent to the first message's confirmation instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask import session

from portal.core.messaging.taxonomy import Selection, TaxonomyNode, select_path

DRAFT_KEY = "secure_messaging.draft"


def load(account_id: int) -> dict:
    """The account's draft, or a new empty one (not saved until :func:`save`)."""
    draft = session.get(DRAFT_KEY)
    if isinstance(draft, dict) and draft.get("account_id") == account_id:
        return draft
    return {
        "account_id": account_id,
        "codes": [],
        "body": "",
        "dismissed": [],
        "token": secrets.token_urlsafe(12),
    }


def save(draft: dict) -> None:
    session[DRAFT_KEY] = draft


def clear() -> None:
    session.pop(DRAFT_KEY, None)


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


def keep_body(draft: dict, text: str | None, max_chars: int) -> None:
    """Keep what the user typed, even refused. The draft lives in the session cookie (about 4 KB
    once escaped and signed): a text far over the limit is shown back in the page but not kept,
    rather than make the browser drop the cookie (and the login with it)."""
    text = text or ""
    if len(text) <= max_chars + max_chars // 10:
        draft["body"] = text


def is_dismissed(draft: dict, codes: Sequence[str]) -> bool:
    return list(codes) in (draft.get("dismissed") or [])


def dismiss(draft: dict, codes: Sequence[str]) -> None:
    """The user closed the online-service dialog of the node at the end of ``codes``."""
    if not is_dismissed(draft, codes):
        draft["dismissed"] = [*(draft.get("dismissed") or []), list(codes)]
