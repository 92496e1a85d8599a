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
    append_only.protect("evidence_record")
    append_only.refuse_truncate("evidence_record")


def downgrade():
    append_only.allow_truncate("evidence_record")
    append_only.unprotect("evidence_record")
    op.drop_table("evidence_record")
