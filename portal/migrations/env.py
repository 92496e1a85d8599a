"""Alembic environment shared by the core and every plugin branch."""

from __future__ import annotations

from alembic import context
from flask import current_app

from portal.core.tenants.scoping import unscoped
from portal.extensions import db

config = context.config
target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=str(db.engine.url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # Flask-Migrate passes render_as_batch=True: SQLite cannot ALTER most things, so
            # batch mode rebuilds tables instead.
            **current_app.extensions["migrate"].configure_args,
        )
        # Migrations work across tenants: data changes reach every tenant's rows (and, on
        # PostgreSQL, row-level security lets them through).
        with context.begin_transaction(), unscoped():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
