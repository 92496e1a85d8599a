"""payments: the sandbox bank's transactions

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-23 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sandbox_bank_transaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("merchant", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "authenticating",
                "succeeded",
                "declined",
                name="bankstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_bank_transaction")),
        sa.UniqueConstraint("ref", name=op.f("uq_sandbox_bank_transaction_ref")),
    )


def downgrade():
    op.drop_table("sandbox_bank_transaction")
