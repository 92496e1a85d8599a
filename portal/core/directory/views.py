"""The agents' live search of the directory (the wizards' no-JS forms call
:func:`portal.core.directory.search.search` themselves and use this endpoint to do better)."""

from __future__ import annotations

from flask import jsonify, request

from portal.core.directory.kinds import EntryKind
from portal.core.directory.search import search
from portal.core.web.pipeline import Access, handler

MAX_RESULTS = 10


@handler(Access.PROFILE)
def lookup():
    """``GET /annuaire/recherche?q=…&kind=insurer|bank``: at most 10 active entries of the
    current tenant, ``[{"id", "name", "address": [lines]}]``; ``[]`` under 2 characters."""
    try:
        kind = EntryKind(request.args.get("kind") or EntryKind.INSURER)
    except ValueError:
        return jsonify([])
    found = search(request.args.get("q", "")[:200], kind=kind, limit=MAX_RESULTS)
    response = jsonify(
        [{"id": entry.id, "name": entry.name, "address": entry.address_lines} for entry in found]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
