"""credits — closure refund requests; several invoice lines per charge (discount lines)

``credit_refund_request``: the holder's request, at closure, that the remaining credit be paid
back by transfer (IBAN kept in full until the operator records the transfer, masked after).
``credit_consumption.line``: a charge lists its items on the invoice, a discount among them; the
unique key goes from the charge to (charge, line).

Revision ID: core_0019
Revises: core_0018
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_refund_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("iban_masked", sa.String(length=48), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("account_holder", sa.String(length=140), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_by", sa.String(length=254), nullable=True),
        sa.Column("balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("fee_cents", sa.BigInteger(), nullable=True),
        sa.Column("paid_cents", sa.BigInteger(), nullable=True),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_credit_refund_request_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["billing_document.id"],
            name=op.f("fk_credit_refund_request_statement_id_billing_document"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_credit_refund_request_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_refund_request")),
        sa.UniqueConstraint("account_id", name="uq_credit_refund_request_account"),
    )
    with op.batch_alter_table("credit_refund_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_refund_request_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_refund_request_tenant_id"), ["tenant_id"], unique=False
        )
    with op.batch_alter_table("credit_consumption", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_credit_consumption_charge", type_="unique")
        batch_op.create_unique_constraint(
            "uq_credit_consumption_charge_line", ["charge_entry_id", "line"]
        )


def downgrade():
    # Only a charge's first line keeps its place under the one-line-per-charge key.
    op.execute("DELETE FROM credit_consumption WHERE line > 0")
    with op.batch_alter_table("credit_consumption", schema=None) as batch_op:
        batch_op.drop_constraint("uq_credit_consumption_charge_line", type_="unique")
        batch_op.create_unique_constraint("uq_credit_consumption_charge", ["charge_entry_id"])
        batch_op.drop_column("line")
    with op.batch_alter_table("credit_refund_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_refund_request_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_credit_refund_request_account_id"))
    op.drop_table("credit_refund_request")
