"""platform mandate signed through an e-signature procedure: the mandate names its procedure and
the evidence record of its sealed PDF; the text shown when the signature was asked is kept until
the outcome (platform_mandate_request). Mandates signed earlier keep both columns empty.

Revision ID: core_0024
Revises: core_0023
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0024"
down_revision = "core_0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platform_mandate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedure_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_document_record_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_platform_mandate_procedure_id_signature_procedure"),
            "signature_procedure",
            ["procedure_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "platform_mandate_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_platform_mandate_request_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_platform_mandate_request_procedure_id_signature_procedure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_platform_mandate_request_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_mandate_request")),
        sa.UniqueConstraint("procedure_id", name=op.f("uq_platform_mandate_request_procedure_id")),
    )
    with op.batch_alter_table("platform_mandate_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_mandate_request_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_mandate_request_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    op.drop_table("platform_mandate_request")
    with op.batch_alter_table("platform_mandate", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_platform_mandate_procedure_id_signature_procedure"), type_="foreignkey"
        )
        batch_op.drop_column("signed_document_record_id")
        batch_op.drop_column("procedure_id")
