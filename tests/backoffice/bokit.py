"""Helpers of the back-office tests (imported by the tests and by conftest.py)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.audit import AuditEntry
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

BACKOFFICE = "backoffice.localhost"
PASSWORD = "Bureau-Opérateur-2024"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def unique_email(prefix: str = "staff") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@operateur.example.fr"


def post_form(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """GET the page holding the form, then POST it with the page's CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(action or page_url, data={**data, "csrf_token": token}, **kwargs)


def make_account(tenant_id: int, **fields) -> int:
    """An account (with its holder profile) in ``tenant_id``; returns its id. Needs an app
    context."""
    values = {
        "email": unique_email("agent"),
        "status": AccountStatus.ACTIVE,
        "first_name": "Camille",
        "last_name": "Durand",
        "commercial_name": "Agence Durand",
        "address": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "phone": "+33140000000",
        **fields,
    }
    with tenant_scope(tenant_id):
        account = Account(**values)
        holder = Profile(
            account=account,
            name=f"{values['first_name']} {values['last_name']}",
            is_holder=True,
            email=values["email"],
        )
        db.session.add_all([account, holder])
        db.session.commit()
        return account.id


def audit_entries(app, action: str, details: dict | None = None, **where) -> list[AuditEntry]:
    """Entries of ``action`` matching the columns in ``where`` and the ``details`` given.

    The log is never emptied and SQLite reuses the ids of deleted rows: filter on something
    unique to the test (an email), not on an id alone.
    """
    with app.app_context(), unscoped():
        query = select(AuditEntry).where(AuditEntry.action == action)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        entries = [
            entry
            for entry in db.session.scalars(query.order_by(AuditEntry.id))
            if all(entry.details.get(k) == v for k, v in (details or {}).items())
        ]
        db.session.expunge_all()
        return entries
