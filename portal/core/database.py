"""Database migrations: the core's Alembic branch plus one branch per plugin."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import migrate

CORE_VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def version_locations(app) -> list[str]:
    plugins = app.extensions["portal.plugins"]
    return [str(CORE_VERSIONS), *(str(p) for p in plugins.collect("register_migrations"))]


@migrate.configure
def _add_plugin_version_locations(config):
    # Alembic builds its script directory from the config before env.py runs, so the plugins'
    # folders must be known here.
    config.set_main_option("version_locations", " ".join(version_locations(current_app)))
    config.set_main_option("path_separator", "space")
    return config


def upgrade_database() -> None:
    """Bring the schema to the newest revision of the core and of every installed plugin."""
    upgrade(revision="heads")


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
