"""back office — operator tools (placeholder: filled by the back-office work)

Revision ID: core_0021
Revises: core_0020
"""

revision = "core_0021"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
