"""back office — operator tools: the register of mandate requests noted by operators

Revision ID: core_0021
Revises: core_0020
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0021"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "backoffice_mandate_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "requested", "sent", "received", name="mandateevent", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "help_request",
                "email",
                "phone",
                "paper",
                "other",
                name="mandatechannel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_label", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_backoffice_mandate_record_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_backoffice_mandate_record_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_backoffice_mandate_record_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backoffice_mandate_record")),
    )
    with op.batch_alter_table("backoffice_mandate_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backoffice_mandate_record_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_backoffice_mandate_record_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    op.drop_table("backoffice_mandate_record")
