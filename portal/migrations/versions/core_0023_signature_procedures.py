"""signature procedures (reserved; filled in by its owner)

Revision ID: core_0023
Revises: core_0022
"""

revision = "core_0023"
down_revision = "core_0022"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
