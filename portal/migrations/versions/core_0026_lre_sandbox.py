"""lre sandbox: the sandbox registered-email operator's deposits, documents and events

Revision ID: core_0026
Revises: core_0025
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0026"
down_revision = "core_0025"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{table}_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
    ]


def upgrade():
    op.create_table(
        "lre_sandbox_deposit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("scenario", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identified_name", sa.String(length=200), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("lre_sandbox_deposit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lre_sandbox_deposit")),
        sa.UniqueConstraint("reference", name=op.f("uq_lre_sandbox_deposit_reference")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_lre_sandbox_deposit_delivery_id")),
        sa.UniqueConstraint("secret", name=op.f("uq_lre_sandbox_deposit_secret")),
    )
    with op.batch_alter_table("lre_sandbox_deposit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lre_sandbox_deposit_expires_at"), ["expires_at"])
        batch_op.create_index(batch_op.f("ix_lre_sandbox_deposit_tenant_id"), ["tenant_id"])

    op.create_table(
        "lre_sandbox_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        *_tenant("lre_sandbox_document"),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["lre_sandbox_deposit.id"],
            name=op.f("fk_lre_sandbox_document_deposit_id_lre_sandbox_deposit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lre_sandbox_document")),
    )
    with op.batch_alter_table("lre_sandbox_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lre_sandbox_document_deposit_id"), ["deposit_id"])
        batch_op.create_index(batch_op.f("ix_lre_sandbox_document_tenant_id"), ["tenant_id"])

    op.create_table(
        "lre_sandbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("proof_kind", sa.String(length=20), nullable=True),
        sa.Column("proof_filename", sa.String(length=120), nullable=True),
        sa.Column("proof", sa.LargeBinary(), nullable=True),
        *_tenant("lre_sandbox_event"),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["lre_sandbox_deposit.id"],
            name=op.f("fk_lre_sandbox_event_deposit_id_lre_sandbox_deposit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lre_sandbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_lre_sandbox_event_event_id")),
    )
    with op.batch_alter_table("lre_sandbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lre_sandbox_event_deposit_id"), ["deposit_id"])
        batch_op.create_index(batch_op.f("ix_lre_sandbox_event_tenant_id"), ["tenant_id"])


def downgrade():
    for table in ("lre_sandbox_event", "lre_sandbox_document"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_deposit_id"))
        op.drop_table(table)
    with op.batch_alter_table("lre_sandbox_deposit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lre_sandbox_deposit_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_lre_sandbox_deposit_expires_at"))
    op.drop_table("lre_sandbox_deposit")
