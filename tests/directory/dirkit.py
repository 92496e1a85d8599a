"""Helpers of the directory tests: entries made directly in the database, read back."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.core.tenants import tenant_scope
from portal.extensions import db


def add_entries(app, tenant_id: int, *names: str, kind=EntryKind.INSURER, **fields) -> list[int]:
    """Entries of the tenant named ``names`` (a made-up address unless told); their ids."""
    values = {"street": "1 rue de la Paix", "postal_code": "75002", "city": "PARIS", **fields}
    with app.app_context(), tenant_scope(tenant_id):
        entries = [DirectoryEntry(name=name, kind=kind, **values) for name in names]
        db.session.add_all(entries)
        db.session.commit()
        return [entry.id for entry in entries]


def entries(app, tenant_id: int) -> dict[str, DirectoryEntry]:
    """The tenant's entries by name (detached)."""
    with app.app_context(), tenant_scope(tenant_id):
        found = list(db.session.scalars(select(DirectoryEntry)))
        db.session.expunge_all()
        return {entry.name: entry for entry in found}


def text_of(response) -> str:
    """The page's text: tags dropped, entities decoded, white space collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
