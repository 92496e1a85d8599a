"""credits — refund requests, per-tenant prices (placeholder: filled by the credits work)

Revision ID: core_0019
Revises: core_0018
"""

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
