"""resiliation: the lists' counts per tab from an index of the account's letters by state

Revision ID: resiliation_0004
Revises: resiliation_0003
"""

from alembic import op

revision = "resiliation_0004"
down_revision = "resiliation_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.create_index(
            "ix_resiliation_letter_account_state", ["account_id", "state", "trashed_at"]
        )


def downgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.drop_index("ix_resiliation_letter_account_state")
