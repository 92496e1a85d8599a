"""resiliation: validation and sending of letters (their sending, review, trash)

Revision ID: resiliation_0003
Revises: resiliation_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "resiliation_0003"
down_revision = "resiliation_0002"
branch_labels = None
depends_on = "core_0029"


def upgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.add_column(sa.Column("event_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sending_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("resend_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("review", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_by", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_resiliation_letter_sending_id_sending"),
            "sending",
            ["sending_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_resiliation_letter_sending_id"), ["sending_id"])
        batch_op.create_index(batch_op.f("ix_resiliation_letter_trashed_at"), ["trashed_at"])


def downgrade():
    with op.batch_alter_table("resiliation_letter") as batch_op:
        batch_op.drop_index(batch_op.f("ix_resiliation_letter_trashed_at"))
        batch_op.drop_index(batch_op.f("ix_resiliation_letter_sending_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_resiliation_letter_sending_id_sending"), type_="foreignkey"
        )
        for column in (
            "trashed_at",
            "cancelled_at",
            "reviewed_by",
            "reviewed_at",
            "review",
            "resend_count",
            "sending_id",
            "validated_at",
            "event_date",
        ):
            batch_op.drop_column(column)
