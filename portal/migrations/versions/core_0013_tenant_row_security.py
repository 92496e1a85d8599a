"""tenant wall on PostgreSQL: row-level security on every tenant-owned table

Each tenant-owned table gets ENABLE + FORCE ROW LEVEL SECURITY and a policy letting a transaction
see and write only the rows of the tenant its scope set (or every row inside ``unscoped()``).
``upgrade_database`` applies the same after every upgrade, so tables that later migrations and
plugins create are covered too. SQLite: nothing to do.

Revision ID: core_0013
Revises: core_0012
"""

from alembic import op

from portal.core.database import apply_row_security, remove_row_security

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None


def upgrade():
    apply_row_security(op.get_bind())


def downgrade():
    remove_row_security(op.get_bind())
