"""job skipped: a plugin's job closed unrun on a tenant that disables the plugin

Revision ID: core_0012
Revises: core_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("skipped_at")
