"""held sendings: a validated sending waiting for a document (e.g. a mandate to be signed)

Revision ID: core_0029
Revises: core_0028
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0029"
down_revision = "core_0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sending") as batch_op:
        batch_op.add_column(sa.Column("held_for", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("sending") as batch_op:
        batch_op.drop_column("held_for")
