"""Small helpers shared by the accounts tests (account area and authentication)."""

from __future__ import annotations

import re
import time
from functools import cache
from types import SimpleNamespace

import pytest

PASSWORD = "Fournier-2024!ok"  # noqa: S105 - a test account's password, it meets the policy


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def csrf_token():
    """``csrf_token(html)`` → the value of the first ``csrf_token`` field of a page."""
    return _csrf_token


@pytest.fixture
def post_form(csrf_token):
    """``post_form(client, path, data)``: open the form page, then post ``data`` with its token."""

    def post(client, path: str, data: dict, **kwargs):
        token = csrf_token(client.get(path).get_data(as_text=True))
        return client.post(path, data={"csrf_token": token, **data}, **kwargs)

    return post


@cache
def _password_hash(password: str) -> str:
    from portal.core.accounts.passwords import hash_password

    return hash_password(password)  # argon2 is slow: hash each test password once per run


@pytest.fixture
def make_account(app, tenant_ids):
    """``make_account(slug="resilimo", email=…, **fields)`` → an active account with its holder
    profile "Jean Fournier", as a plain object: id, email, password, tenant_id,
    holder_profile_id, session_version."""
    from portal.core.accounts.models import Account, AccountStatus, Profile
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    def make(slug: str = "resilimo", email: str = "jean@agence-fournier.fr", **fields):
        password = fields.pop("password", PASSWORD)
        values = {
            "status": AccountStatus.ACTIVE,
            "first_name": "Jean",
            "last_name": "Fournier",
            "commercial_name": "Agence Fournier Assurances",
            "orias": "12345678",
            "address": "3 place Victor Hugo",
            "postal_code": "38000",
            "city": "Grenoble",
            "phone": "+33476000000",
            **fields,
        }
        with app.app_context(), tenant_scope(tenant_ids[slug]):
            account = Account(email=email, password_hash=_password_hash(password), **values)
            holder = Profile(
                account=account,
                name=account.holder_name,
                email=email,
                phone=values["phone"],
                is_holder=True,
            )
            db.session.add_all([account, holder])
            db.session.commit()
            return SimpleNamespace(
                id=account.id,
                email=email,
                password=password,
                tenant_id=account.tenant_id,
                holder_profile_id=holder.id,
                session_version=account.session_version,
            )

    return make


@pytest.fixture
def sign_in():
    """``sign_in(client, account, profile_id=None, reauth=False)``: a logged-in session without
    typing the password (argon2 is slow); ``profile_id`` already chosen, password re-typed."""

    def sign(client, account, profile_id=None, reauth=False):
        with client.session_transaction(base_url=f"http://{client.host}") as session:
            session["_user_id"] = f"{account.id}:{account.session_version}"
            session["_fresh"] = True
            session["last_seen"] = time.time()
            if profile_id is not None:
                session["profile_id"] = profile_id
            if reauth:
                session["reauth_at"] = time.time()
        return client

    return sign


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
    from sqlalchemy import select

    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    def read(tenant_id: int) -> list:
        drain(app)
        with app.app_context(), tenant_scope(tenant_id):
            rows = db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email")
                .order_by(DevboxMessage.id)
            ).all()
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def login():
    """``login(client, email, password)``: through the login page (``/connexion``)."""

    def post(client, email, password, **extra):
        page = client.get("/connexion").get_data(as_text=True)
        data = {"csrf_token": _csrf_token(page), "email": email, "password": password}
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
