"""accounts — SIREN, country of the address, foreign postal codes

``account.siren``: the company's SIREN (9 digits, agencies; printed on invoices).
``account.country``: ISO 3166-1 alpha-2 code of the postal address (FR unless the tenant allows
foreign addresses). ``account.postal_code`` widens from 5 to 12 characters: foreign postal codes.

Revision ID: core_0018
Revises: core_0017
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("siren", sa.String(length=9), nullable=True))
        batch_op.add_column(
            sa.Column("country", sa.String(length=2), nullable=False, server_default="FR")
        )
    with _children_kept("account"), op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column(
            "postal_code",
            existing_type=sa.String(length=5),
            type_=sa.String(length=12),
            existing_nullable=False,
        )


def downgrade():
    # Foreign postal codes longer than a French one cannot be kept in 5 characters.
    op.execute("UPDATE account SET postal_code = substr(postal_code, 1, 5)")
    with _children_kept("account"), op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column(
            "postal_code",
            existing_type=sa.String(length=12),
            type_=sa.String(length=5),
            existing_nullable=False,
        )
        batch_op.drop_column("country")
        batch_op.drop_column("siren")


@contextmanager
def _children_kept(table: str) -> Iterator[None]:
    """SQLite rebuilds ``table`` (copy, DROP, rename) and enforces foreign keys, which cannot be
    switched off inside the migration's transaction: the DROP would cascade to the rows that
    reference it, and set to NULL the references declared ON DELETE SET NULL. The cascading rows
    are copied aside before and put back after (as in core_0017); the nulled references are
    written back. PostgreSQL alters the table in place: nothing to do."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    children, nulled = _cascading_children(connection, table)
    # The names come from sqlite_master, not from input.
    for child in children:
        keep = f'CREATE TEMP TABLE "kept_{child}" AS SELECT * FROM "{child}"'  # noqa: S608
        connection.exec_driver_sql(keep)
    for child, column in nulled:
        connection.exec_driver_sql(
            f'CREATE TEMP TABLE "nulled_{child}_{column}" AS'  # noqa: S608
            f' SELECT rowid AS kept_rowid, "{column}" AS kept_value FROM "{child}"'
            f' WHERE "{column}" IS NOT NULL'
        )
    yield
    for child in children:  # parents first: each row finds its parent back
        restore = f'INSERT OR IGNORE INTO "{child}" SELECT * FROM "kept_{child}"'  # noqa: S608
        connection.exec_driver_sql(restore)
        connection.exec_driver_sql(f'DROP TABLE "kept_{child}"')
    for child, column in nulled:
        kept = f"nulled_{child}_{column}"
        connection.exec_driver_sql(
            f'UPDATE "{child}" SET "{column}" = (SELECT kept_value FROM "{kept}"'  # noqa: S608
            f' WHERE kept_rowid = "{child}".rowid)'
            f' WHERE rowid IN (SELECT kept_rowid FROM "{kept}")'
        )
        connection.exec_driver_sql(f'DROP TABLE "{kept}"')


def _cascading_children(connection, table: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The tables whose rows a DELETE on ``table`` reaches, nearest first, and the columns
    (table, column) it sets to NULL."""
    tables = [
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found: list[str] = []
    nulled: list[tuple[str, str]] = []
    parents = [table]
    while parents:
        parent = parents.pop(0)
        for name in tables:
            for key in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{name}")').mappings():
                if key["table"] != parent:
                    continue
                action = key["on_delete"].upper()
                if action == "SET NULL":
                    if (name, key["from"]) not in nulled:
                        nulled.append((name, key["from"]))
                    continue
                if name in found:
                    continue
                if action not in ("CASCADE", "NO ACTION", "RESTRICT"):
                    raise RuntimeError(f"{name}.{key['from']}: {key['on_delete']} not handled")
                found.append(name)
                parents.append(name)
    return found, nulled
