"""directory: the insurers and banks of each tenant

Revision ID: core_0028
Revises: core_0027
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0028"
down_revision = "core_0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("insurer", "bank", name="entrykind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("compact_key", sa.String(length=200), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("complement", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("lre_email", sa.String(length=254), nullable=False),
        sa.Column("recipient_identified", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_directory_entry_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entry")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "compact_key", name=op.f("uq_directory_entry_tenant_id")
        ),
    )
    with op.batch_alter_table("directory_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_directory_entry_lookup", ["tenant_id", "kind", "active", "search_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_entry_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    op.drop_table("directory_entry")
