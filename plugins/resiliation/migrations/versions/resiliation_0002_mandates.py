"""resiliation: the mandate of each letter (its files, its e-signature procedure)

Revision ID: resiliation_0002
Revises: resiliation_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "resiliation_0002"
down_revision = "resiliation_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resiliation_mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("own_key", sa.String(length=1024), nullable=True),
        sa.Column("own_filename", sa.String(length=255), nullable=True),
        sa.Column("scan_key", sa.String(length=1024), nullable=True),
        sa.Column("scan_filename", sa.String(length=255), nullable=True),
        sa.Column("scan_content_type", sa.String(length=100), nullable=True),
        sa.Column("scan_pages", sa.Integer(), nullable=False),
        sa.Column("scan_uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scan_validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scan_evidence_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("signer_email", sa.String(length=254), nullable=False),
        sa.Column("signer_mobile", sa.String(length=20), nullable=False),
        sa.Column("co_signer_email", sa.String(length=254), nullable=False),
        sa.Column("co_signer_mobile", sa.String(length=20), nullable=False),
        sa.Column("signed_evidence_id", sa.Integer(), nullable=True),
        sa.Column("without_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["resiliation_letter.id"],
            name=op.f("fk_resiliation_mandate_letter_id_resiliation_letter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_resiliation_mandate_procedure_id_signature_procedure"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_resiliation_mandate_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resiliation_mandate")),
    )
    with op.batch_alter_table("resiliation_mandate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resiliation_mandate_letter_id"), ["letter_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_resiliation_mandate_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resiliation_mandate_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("resiliation_mandate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resiliation_mandate_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_resiliation_mandate_procedure_id"))
        batch_op.drop_index(batch_op.f("ix_resiliation_mandate_letter_id"))

    op.drop_table("resiliation_mandate")
