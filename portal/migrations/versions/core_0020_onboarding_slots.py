"""onboarding — slots published by operators and the bookings agents make of them

Revision ID: core_0020
Revises: core_0019
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0020"
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "onboarding_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("phone", "video", name="channel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("video_url", sa.String(length=500), nullable=True),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_onboarding_slot_created_by_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_onboarding_slot_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_slot")),
    )
    with op.batch_alter_table("onboarding_slot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_slot_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_onboarding_slot_tenant_starts", ["tenant_id", "starts_at"], unique=False
        )

    op.create_table(
        "onboarding_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("active_slot_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("topics", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=16), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("managed_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_onboarding_booking_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["active_slot_id"],
            ["onboarding_slot.id"],
            name=op.f("fk_onboarding_booking_active_slot_id_onboarding_slot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["managed_by_id"],
            ["account_profile.id"],
            name=op.f("fk_onboarding_booking_managed_by_id_account_profile"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["onboarding_slot.id"],
            name=op.f("fk_onboarding_booking_slot_id_onboarding_slot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_onboarding_booking_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_booking")),
        sa.UniqueConstraint("active_slot_id", name="uq_onboarding_booking_slot"),
    )
    with op.batch_alter_table("onboarding_booking", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_booking_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_booking_managed_by_id"), ["managed_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_booking_slot_id"), ["slot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_booking_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("onboarding_booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_booking_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_booking_slot_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_booking_managed_by_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_booking_account_id"))

    op.drop_table("onboarding_booking")
    with op.batch_alter_table("onboarding_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_onboarding_slot_tenant_starts")
        batch_op.drop_index(batch_op.f("ix_onboarding_slot_tenant_id"))

    op.drop_table("onboarding_slot")
