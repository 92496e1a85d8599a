"""lre sandbox (reserved; filled in by its owner)

Revision ID: core_0026
Revises: core_0025
"""

revision = "core_0026"
down_revision = "core_0025"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
