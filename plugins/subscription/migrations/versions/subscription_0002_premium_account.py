"""the clients' premium account: calls, direct debits, unpaid, payments

Revision ID: subscription_0002
Revises: subscription_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "subscription_0002"
down_revision = "subscription_0001"
branch_labels = None
depends_on = None

TABLE = "subscription_premium_movement"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("managed_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f(f"fk_{TABLE}_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["subscription_client.id"],
            name=op.f(f"fk_{TABLE}_client_id_subscription_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["subscription_contract.id"],
            name=op.f(f"fk_{TABLE}_contract_id_subscription_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["managed_by_id"],
            ["account_profile.id"],
            name=op.f(f"fk_{TABLE}_managed_by_id_account_profile"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_staff_id"],
            ["staff_user.id"],
            name=op.f(f"fk_{TABLE}_recorded_by_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{TABLE}_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f(f"uq_{TABLE}_tenant_id")),
    )
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.create_index(
            "ix_subscription_premium_movement_client", ["client_id", "on"], unique=False
        )
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_contract_id"), ["contract_id"])
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_managed_by_id"), ["managed_by_id"])
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_tenant_id"), ["tenant_id"])


def downgrade():
    op.drop_table(TABLE)
