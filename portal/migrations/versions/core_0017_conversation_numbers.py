"""conversation numbers per tenant: users quote M-000001 of their tenant, not the global id

Existing conversations are numbered per tenant in id order, and each tenant's MSG number sequence
(billing_number_sequence, the mechanism of the billing documents) continues after them.

Revision ID: core_0017
Revises: core_0016
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "core_0017"
down_revision = "core_0016"
branch_labels = None
depends_on = None

SERIES = "MSG"  # portal.core.messaging.operations.CONVERSATION_SERIES


def upgrade():
    with op.batch_alter_table("messaging_conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE messaging_conversation SET number = ("
        " SELECT COUNT(*) FROM messaging_conversation AS earlier"
        " WHERE earlier.tenant_id = messaging_conversation.tenant_id"
        " AND earlier.id <= messaging_conversation.id)"
    )
    # The sequence the new conversations take their numbers from continues after the backfill.
    op.get_bind().execute(
        sa.text(
            "INSERT INTO billing_number_sequence (tenant_id, series, next_value)"
            " SELECT tenant_id, :series, MAX(number) + 1 FROM messaging_conversation"
            " GROUP BY tenant_id"
        ),
        {"series": SERIES},
    )
    with (
        _children_kept("messaging_conversation"),
        op.batch_alter_table("messaging_conversation", schema=None) as batch_op,
    ):
        batch_op.alter_column("number", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(
            "uq_messaging_conversation_number", ["tenant_id", "number"]
        )


def downgrade():
    with (
        _children_kept("messaging_conversation"),
        op.batch_alter_table("messaging_conversation", schema=None) as batch_op,
    ):
        batch_op.drop_constraint("uq_messaging_conversation_number", type_="unique")
        batch_op.drop_column("number")
    op.get_bind().execute(
        sa.text("DELETE FROM billing_number_sequence WHERE series = :series"), {"series": SERIES}
    )


@contextmanager
def _children_kept(table: str) -> Iterator[None]:
    """SQLite rebuilds ``table`` (copy, DROP, rename) and enforces foreign keys, which cannot be
    switched off inside the migration's transaction: the DROP would cascade to the rows that
    reference it (the messages, their attachments). Their rows are copied aside before and put
    back after. PostgreSQL alters the table in place: nothing to do."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    children = _cascading_children(connection, table)
    # The names come from sqlite_master, not from input.
    for child in children:
        keep = f'CREATE TEMP TABLE "kept_{child}" AS SELECT * FROM "{child}"'  # noqa: S608
        connection.exec_driver_sql(keep)
    yield
    for child in children:  # parents first: each row finds its parent back
        restore = f'INSERT OR IGNORE INTO "{child}" SELECT * FROM "kept_{child}"'  # noqa: S608
        connection.exec_driver_sql(restore)
        connection.exec_driver_sql(f'DROP TABLE "kept_{child}"')


def _cascading_children(connection, table: str) -> list[str]:
    """The tables whose rows a DELETE on ``table`` reaches, nearest first."""
    tables = [
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found: list[str] = []
    parents = [table]
    while parents:
        parent = parents.pop(0)
        for name in tables:
            for key in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{name}")').mappings():
                if key["table"] != parent or name in found:
                    continue
                if key["on_delete"].upper() not in ("CASCADE", "NO ACTION", "RESTRICT"):
                    raise RuntimeError(f"{name}.{key['from']}: {key['on_delete']} not handled")
                found.append(name)
                parents.append(name)
    return found
