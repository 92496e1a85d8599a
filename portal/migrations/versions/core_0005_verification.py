"""verification: the signed mandate's text, the identity sandbox's sessions

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-24 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platform_mandate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))

    op.create_table(
        "identity_sandbox_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("client_reference", sa.String(length=100), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "created",
                "pending",
                "sms_code",
                "verified",
                "failed",
                name="sandboxstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("simulate_failure", sa.Boolean(), nullable=False),
        sa.Column("document_name", sa.String(length=255), nullable=True),
        sa.Column("decide_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sms_code_hash", sa.String(length=64), nullable=True),
        sa.Column("sms_attempts", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_identity_sandbox_session_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_sandbox_session")),
        sa.UniqueConstraint("ref", name=op.f("uq_identity_sandbox_session_ref")),
    )
    with op.batch_alter_table("identity_sandbox_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_sandbox_session_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("identity_sandbox_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_sandbox_session_tenant_id"))
    op.drop_table("identity_sandbox_session")
    with op.batch_alter_table("platform_mandate", schema=None) as batch_op:
        batch_op.drop_column("text")
