"""Database migrations: the core's Alembic branch plus one branch per plugin, and the tenant
wall's second layer on PostgreSQL (row-level security on every tenant-owned table)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from portal.core.tenants.scoping import TENANT_TABLES
from portal.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
CORE_VERSIONS = MIGRATIONS / "versions"


def version_locations(app) -> list[str]:
    plugins = app.extensions["portal.plugins"]
    return [str(CORE_VERSIONS), *(str(p) for p in plugins.collect("register_migrations"))]


def migrations(app: Flask):
    """Flask-Migrate on ``app`` (its ``Migrate``), set up on first use: a web process never
    migrates, and Alembic with the dialect modules it loads is 10 MB of a process's memory."""
    config = app.extensions.get("migrate")
    if config is None:
        from flask_migrate import Migrate

        migrate = Migrate(directory=str(MIGRATIONS))
        migrate.configure(_add_plugin_version_locations)
        migrate.init_app(app, db)
        config = app.extensions["migrate"]
    return config.migrate


def _add_plugin_version_locations(config):
    # Alembic builds its script directory from the config before env.py runs, so the plugins'
    # folders must be known here.
    config.set_main_option("version_locations", " ".join(version_locations(current_app)))
    config.set_main_option("path_separator", "space")
    return config


def upgrade_database() -> None:
    """Bring the schema to the newest revision of the core and of every installed plugin, then
    put every tenant-owned table behind row-level security (those that later migrations or
    plugins created included: the wall is never one migration away from forgotten)."""
    from flask_migrate import upgrade

    migrations(current_app)
    upgrade(revision="heads")
    with db.engine.begin() as connection:
        apply_row_security(connection)


TENANT_POLICY = "tenant_wall"
# A row is visible (and writable) when it belongs to the transaction's tenant, which the scope
# sets with a bound ``set_config`` (portal.core.tenants.scoping), or inside ``unscoped()``.
TENANT_POLICY_RULE = (
    "tenant_id = NULLIF(current_setting('portal.tenant_id', true), '')::integer"
    " OR current_setting('portal.unscoped', true) = 'on'"
)


def apply_row_security(connection: Connection) -> None:
    """PostgreSQL: ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` and the tenant policy on every
    existing tenant-owned table that lacks them (idempotent, no lock when all are in place)."""
    if connection.dialect.name != "postgresql":
        return
    names = sorted(table.name for table in TENANT_TABLES if table.metadata is db.metadata)
    missing = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c"
            " WHERE c.relname = ANY(:names) AND c.relkind = 'r'"
            " AND c.relnamespace = 'public'::regnamespace"
            " AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS ("
            "   SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname"
            "   AND p.schemaname = 'public' AND p.policyname = :policy))"
        ),
        {"names": names, "policy": TENANT_POLICY},
    ).scalars()
    for name in missing:
        connection.execute(text(f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY'))
        connection.execute(text(f'DROP POLICY IF EXISTS {TENANT_POLICY} ON "{name}"'))
        connection.execute(
            text(
                f'CREATE POLICY {TENANT_POLICY} ON "{name}"'
                f" USING ({TENANT_POLICY_RULE}) WITH CHECK ({TENANT_POLICY_RULE})"
            )
        )


def remove_row_security(connection: Connection) -> None:
    """Undo :func:`apply_row_security` on every table that has the tenant policy."""
    if connection.dialect.name != "postgresql":
        return
    names = connection.execute(
        text("SELECT tablename FROM pg_policies WHERE policyname = :policy"),
        {"policy": TENANT_POLICY},
    ).scalars()
    for name in list(names):
        connection.execute(text(f'DROP POLICY {TENANT_POLICY} ON "{name}"'))
        connection.execute(text(f'ALTER TABLE "{name}" NO FORCE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{name}" DISABLE ROW LEVEL SECURITY'))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # The embedded default has web threads and an in-process worker writing to one file: WAL lets
    # readers run beside a writer, the busy timeout makes writers queue instead of failing, and
    # SQLite only enforces foreign keys when asked.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "connect")
def _postgres_custom_plans(dbapi_connection, connection_record) -> None:
    # psycopg prepares a statement run five times; PostgreSQL then plans it once for any values
    # (a generic plan), blind to what an account id or a LIKE pattern selects: the letters'
    # filtered page took 13 ms that way against 4 with a plan made for its values
    # (bench/letter_list.py). Planning each time costs a fraction of a millisecond.
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def take_sqlite_write_lock(table: str) -> None:
    """On SQLite, take the database's write lock now, for the rest of the transaction: a write
    that changes no row of ``table`` does it. The driver opens the transaction before a write,
    not before a read or a SAVEPOINT (whose RELEASE would then commit on its own), and readers
    that write later deadlock instead of waiting their turn (busy timeout). PostgreSQL, which
    locks rows, is left alone: the caller locks what it needs there."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"UPDATE {table} SET id = id WHERE 0 = 1"))  # noqa: S608


def lock_and_reload(instance) -> None:
    """Hold ``instance``'s row until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite: its
    write lock) and read it again, so what is decided next is decided on the latest state: two
    workers, a callback and a poll, two tabs never act on what they read before the lock.

    The row is fetched on purpose: ``populate_existing`` refreshes only rows a result yields, and
    an unread result would leave the state read before the lock (a lost update)."""
    from sqlalchemy import select

    model = type(instance)
    db.session.flush()
    take_sqlite_write_lock(model.__tablename__)
    db.session.scalars(
        select(model)
        .where(model.id == instance.id)
        # ``of``: a model that loads a relationship eagerly through an outer join is locked
        # alone (PostgreSQL refuses FOR UPDATE on the nullable side of an outer join).
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).one()


def contains_pattern(text: str) -> str:
    """A ``LIKE`` pattern matching ``text`` anywhere, its wildcards escaped: use it with
    ``escape="\\"``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def insert_ignoring_duplicates(model):
    """``INSERT`` into ``model``'s table that skips a row a unique constraint already holds
    (``ON CONFLICT DO NOTHING``, PostgreSQL and SQLite): with ``.returning(model.id)``, None says
    another transaction recorded it first — one round trip instead of a look-up and an insert.
    Elsewhere a duplicate raises."""
    from sqlalchemy import insert
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(model).on_conflict_do_nothing()
    return insert(model)
