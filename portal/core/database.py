"""Database migrations: the core's Alembic branch plus one branch per plugin."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_migrate import upgrade

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
