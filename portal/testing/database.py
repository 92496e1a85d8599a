"""The test database: a throwaway PostgreSQL database per run, rows emptied after each test."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Rows every test shares (the demo tenants, the schema version) and the audit log, which is
# append-only: tests filter their own entries instead.
PERSISTENT_TABLES = {"tenant", "tenant_host", "alembic_version", "audit_entry"}


def create_postgres_database(base_url: str) -> str:
    """Create a throwaway database next to the one named in ``base_url``; return its URL."""
    url = make_url(base_url)
    name = f"portal_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(db_url: str) -> None:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def delete_test_rows(app) -> None:
    """Delete what a test wrote, every table but ``PERSISTENT_TABLES``.

    Append-only tables (the ledger) refuse DELETE through triggers: the cleanup, like a DBA's,
    suspends them for its own transaction only. It crosses tenants, so it runs ``unscoped()``
    (on PostgreSQL, row-level security would otherwise hide every row from a non-superuser).
    """
    from portal.core.jobs.runtime import settle
    from portal.core.tenants import unscoped
    from portal.extensions import db

    settle(app)  # the test's last jobs finish before their rows go
    with app.app_context(), unscoped():
        db.session.rollback()
        with db.engine.begin() as conn:
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
