"""outbound: the development mailbox (emails and SMS kept instead of sent)

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-23 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "devbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=998), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('email', 'sms')", name=op.f("ck_devbox_message_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_devbox_message_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devbox_message")),
    )
    with op.batch_alter_table("devbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_devbox_message_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("devbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devbox_message_tenant_id"))
    op.drop_table("devbox_message")
