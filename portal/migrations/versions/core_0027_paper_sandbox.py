"""paper sandbox (reserved; filled in by its owner)

Revision ID: core_0027
Revises: core_0026
"""

revision = "core_0027"
down_revision = "core_0026"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
