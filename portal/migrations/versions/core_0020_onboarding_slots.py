"""onboarding — slots and bookings (placeholder: filled by the onboarding work)

Revision ID: core_0020
Revises: core_0019
"""

revision = "core_0020"
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
