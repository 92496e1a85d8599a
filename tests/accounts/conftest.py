"""Fixtures of the accounts tests (account area and authentication); accounts, sessions and
forms come from ``portal.testing``."""

from __future__ import annotations

from functools import partial

import pytest
from webkit import devbox

from portal.testing.web import csrf_token


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap argon2 parameters for tests that log in many times (the real ones cost ~0.1 s);
    hashes made with the real parameters still verify."""
    from argon2 import PasswordHasher

    from portal.core.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def sent_emails(app):
    """``sent_emails(tenant_id)`` → the emails of the development mailbox, oldest first, once
    every queued job has run."""
    return partial(devbox, app, kind="email")


@pytest.fixture
def login():
    """``login(client, email, password)``: through the login page (``/connexion``)."""

    def post(client, email, password, **extra):
        page = client.get("/connexion").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "email": email, "password": password}
        return client.post("/connexion", data={**data, **extra})

    return post


@pytest.fixture
def new_audit_entries(app):
    """``new_audit_entries(tenant_id)`` → audit entries written since the test began (the log is
    append-only and outlives tests, and row ids of deleted accounts may be reused)."""
    from sqlalchemy import func, select

    from portal.core.audit import AuditEntry
    from portal.extensions import db

    with app.app_context():
        mark = db.session.scalar(select(func.max(AuditEntry.id))) or 0

    def read(tenant_id: int) -> list:
        with app.app_context():
            rows = db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.id > mark, AuditEntry.tenant_id == tenant_id)
                .order_by(AuditEntry.id)
            ).all()
            db.session.expunge_all()
            return rows

    return read
