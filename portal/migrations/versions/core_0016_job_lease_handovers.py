"""job lease, handovers, failed: retries and dead workers recovered from the database

Revision ID: core_0016
Revises: core_0015
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("handovers", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
        batch_op.drop_column("handovers")
        batch_op.drop_column("lease_until")
