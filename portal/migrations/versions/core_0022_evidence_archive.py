"""evidence archive: an append-only hash chain of proofs per tenant

Revision ID: core_0022
Revises: core_0021
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations import append_only

revision = "core_0022"
down_revision = "core_0021"
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("evidence_record", "evidence_check")


def upgrade():
    op.create_table(
        "evidence_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_evidence_record_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_record")),
        sa.UniqueConstraint("tenant_id", "sequence", name=op.f("uq_evidence_record_tenant_id")),
    )
    with op.batch_alter_table("evidence_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_record_tenant_id"), ["tenant_id"], unique=False
        )
    op.create_table(
        "evidence_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("record_hash", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_evidence_check_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_check")),
    )
    with op.batch_alter_table("evidence_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_check_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_check_tenant_id"), ["tenant_id"], unique=False
        )
    for table in APPEND_ONLY_TABLES:
        append_only.protect(table)
        append_only.refuse_truncate(table)


def downgrade():
    for table in APPEND_ONLY_TABLES:
        append_only.allow_truncate(table)
        append_only.unprotect(table)
    op.drop_table("evidence_check")
    op.drop_table("evidence_record")
