"""accounts — SIREN, country of address (placeholder: filled by the accounts work)

Revision ID: core_0018
Revises: core_0017
"""

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
