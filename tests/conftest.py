"""Test harness: one suite, two backends.

* default: SQLite file + in-process jobs (dramatiq StubBroker);
* ``PORTAL_TEST_DATABASE_URL`` (PostgreSQL) and ``PORTAL_TEST_REDIS_URL`` set: a fresh PostgreSQL
  database for the run and a real Redis broker.

The schema is built by the real migrations (``upgrade heads``), the demo tenants by the real
``tenants sync``. Rows created by a test are deleted after it (tenants stay).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.core.demo import load_demo
from portal.extensions import db

# The audit log is append-only (database triggers): tests filter their own entries instead.
PERSISTENT_TABLES = {"tenant", "tenant_host", "alembic_version", "audit_entry"}


def _postgres_database(base_url: str) -> str:
    """Create a throwaway database next to the one named in ``base_url``; return its URL."""
    url = make_url(base_url)
    name = f"portal_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(db_url: str) -> None:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend() -> dict:
    """Which backends this run uses: ``{"database": "sqlite"|"postgresql", "redis": url|None}``."""
    return {
        "database": "postgresql" if os.environ.get("PORTAL_TEST_DATABASE_URL") else "sqlite",
        "redis": os.environ.get("PORTAL_TEST_REDIS_URL") or None,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        return
    url = _postgres_database(base)
    yield url
    _drop_postgres_database(url)


@pytest.fixture(scope="session")
def app_config(tmp_path_factory, database_url, backend) -> dict:
    """The config every test app starts from; tests may copy it and override keys."""
    data_dir = tmp_path_factory.mktemp("data")
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_STORAGE_PATH": str(data_dir / "files"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_REDIS_URL": backend["redis"],
        # Each run has its own Redis keys: parallel runs and leftovers never meet.
        "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
        "PORTAL_TENANTS_DIR": str(Path(__file__).resolve().parent.parent / "tenants"),
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture(scope="session")
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        load_demo(app)  # real migrations + real tenants sync
    return app


@pytest.fixture(autouse=True)
def _clean_rows(request):
    """Delete what a test wrote (tenants and the schema stay)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        with db.engine.begin() as conn:
            # Append-only tables (the ledger) refuse DELETE through triggers: the cleanup, like a
            # DBA's, suspends them for this transaction only.
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                triggers = []
            else:
                triggers = conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                ).all()
                for name, _ in triggers:
                    conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in PERSISTENT_TABLES:
                    conn.execute(table.delete())
            for _, sql in triggers:
                conn.execute(text(sql))
        db.session.remove()


class TenantClient(FlaskClient):
    """A test client bound to one host (``<slug>.localhost`` unless given)."""

    host = "localhost"

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().open(*args, **kwargs)


@pytest.fixture
def client_for(app):
    """``client_for("resilimo")`` → a test client on resilimo.localhost."""

    def make(slug_or_host: str) -> TenantClient:
        client = TenantClient(app, app.response_class, use_cookies=True)
        client.host = slug_or_host if "." in slug_or_host else f"{slug_or_host}.localhost"
        return client

    return make


@pytest.fixture
def tenant_ids(app) -> dict[str, int]:
    """Demo tenant ids by slug."""
    from sqlalchemy import select

    from portal.core.tenants import Tenant

    with app.app_context():
        return dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())


@pytest.fixture
def fresh_database_url(tmp_path, backend) -> Iterator[str]:
    """An empty database of the run's backend, for tests that build a schema of their own."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = _postgres_database(base)
    yield url
    _drop_postgres_database(url)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Every test starts with no attempt counted by the per-address limiter (it outlives a
    test): failed logins, emails sent, contact messages."""
    if "app" in request.fixturenames or "client_for" in request.fixturenames:
        from portal.core.ratelimit import limiter

        request.getfixturevalue("app")
        limiter.reset()
    yield
