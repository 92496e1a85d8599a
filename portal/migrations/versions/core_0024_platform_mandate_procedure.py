"""platform mandate procedure (reserved; filled in by its owner)

Revision ID: core_0024
Revises: core_0023
"""

revision = "core_0024"
down_revision = "core_0023"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
