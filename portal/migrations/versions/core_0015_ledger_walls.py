"""ledger walls: a credit balance never negative, append-only tables never truncated

Revision ID: core_0015
Revises: core_0014
"""

from alembic import op

from portal.migrations import append_only

revision = "core_0015"
down_revision = "core_0014"
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("audit_entry", "credit_ledger_entry")


def upgrade():
    with op.batch_alter_table("credit_balance", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_credit_balance_not_negative"), "balance_cents >= 0"
        )
    for table in APPEND_ONLY_TABLES:
        append_only.refuse_truncate(table)


def downgrade():
    for table in APPEND_ONLY_TABLES:
        append_only.allow_truncate(table)
    with op.batch_alter_table("credit_balance", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_balance_not_negative"), type_="check")
