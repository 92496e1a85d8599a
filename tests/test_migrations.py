"""``upgrade`` works from an empty database, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal import create_app
from portal.core.database import upgrade_database
from portal.extensions import db


def test_upgrade_from_empty_builds_the_schema_of_the_models(app_config, fresh_database_url):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade_database()
        upgrade_database()  # idempotent
        tables = set(inspect(db.engine).get_table_names())
        assert {"tenant", "tenant_host", "alembic_version"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        db.session.remove()
        db.engine.dispose()
