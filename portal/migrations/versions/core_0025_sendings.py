"""sendings (reserved; filled in by its owner)

Revision ID: core_0025
Revises: core_0024
"""

revision = "core_0025"
down_revision = "core_0024"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
