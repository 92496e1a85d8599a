"""resiliation: a list's page, newest first, from an index of the account's letters by id

Without it PostgreSQL read every letter of the account to sort them (or walked the whole table
by its primary key): 5 to 20 ms for a page of ten (bench/letter_list.py).

Revision ID: resiliation_0005
Revises: resiliation_0004
"""

from alembic import op

revision = "resiliation_0005"
down_revision = "resiliation_0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.create_index("ix_resiliation_letter_account_newest", ["account_id", "id"])


def downgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.drop_index("ix_resiliation_letter_account_newest")
