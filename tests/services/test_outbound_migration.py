"""core_0003 creates exactly what the devbox model declares, after core_0002."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from portal.core.database import CORE_VERSIONS
from portal.extensions import db


def test_migration_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    ours = [d for d in diffs if "devbox_" in repr(d)]
    assert ours == []


def test_revision_chain(app):
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        config.set_main_option("version_locations", str(CORE_VERSIONS))
        script = ScriptDirectory.from_config(config)
        revision = script.get_revision("core_0003")
    assert revision.down_revision == "core_0002"
    assert script.get_revision("core_0002").down_revision == "core_0001"
