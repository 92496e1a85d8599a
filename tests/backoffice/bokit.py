"""Helpers of the back-office tests (imported by the tests and by conftest.py)."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import select

from portal.core.audit import AuditEntry
from portal.core.tenants import Tenant, unscoped
from portal.extensions import db
from portal.testing.accounts import STAFF_PASSWORD as PASSWORD
from portal.testing.accounts import create_account
from portal.testing.web import csrf_token, post_form

__all__ = ["PASSWORD", "csrf_token", "post_form"]

BACKOFFICE = "backoffice.localhost"


def unique_email(prefix: str = "staff") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@operateur.example.fr"


def make_account(tenant_id: int, **fields) -> int:
    """An account of Camille Durand's agency (with its holder profile) in ``tenant_id``; returns
    its id. Needs an app context."""
    with unscoped():
        slug = db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    values = {
        "email": unique_email("agent"),
        "first_name": "Camille",
        "last_name": "Durand",
        "commercial_name": "Agence Durand",
        "orias": None,
        "address": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "phone": "+33140000000",
        **fields,
    }
    return create_account(current_app, slug, **values).id


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
