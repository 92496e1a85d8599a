"""acme notes

Revision ID: acme_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "acme_0001"
down_revision = None
branch_labels = ("acme_notes",)
depends_on = "core_0004"  # the account table its notes reference


def upgrade():
    op.create_table(
        "acme_notes_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_acme_notes_note_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_acme_notes_note_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acme_notes_note")),
    )
    for column in ("account_id", "tenant_id"):
        op.create_index(op.f(f"ix_acme_notes_note_{column}"), "acme_notes_note", [column])


def downgrade():
    op.drop_table("acme_notes_note")
