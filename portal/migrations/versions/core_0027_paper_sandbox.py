"""paper sandbox: the sandbox postal printer's print jobs, their events and proofs

Revision ID: core_0027
Revises: core_0026
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0027"
down_revision = "core_0026"
branch_labels = None
depends_on = None


def _tenant(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{table}_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
    ]


def upgrade():
    op.create_table(
        "paper_sandbox_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("scenario", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "printing",
                "posted",
                "awaiting_pickup",
                "distributed",
                "delivered",
                "returned",
                "refused",
                "not_claimed",
                name="printstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("paper_sandbox_job"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sandbox_job")),
        sa.UniqueConstraint("reference", name=op.f("uq_paper_sandbox_job_reference")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_paper_sandbox_job_delivery_id")),
    )
    with op.batch_alter_table("paper_sandbox_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_sandbox_job_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_paper_sandbox_job_next_step_at"), ["next_step_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_paper_sandbox_job_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "paper_sandbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "printing",
                "posted",
                "awaiting_pickup",
                "distributed",
                "delivered",
                "returned",
                "refused",
                "not_claimed",
                name="printstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("callback_sent_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("paper_sandbox_event"),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["paper_sandbox_job.id"],
            name=op.f("fk_paper_sandbox_event_job_id_paper_sandbox_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sandbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_paper_sandbox_event_event_id")),
    )
    with op.batch_alter_table("paper_sandbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_sandbox_event_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_paper_sandbox_event_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "paper_sandbox_proof",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        *_tenant("paper_sandbox_proof"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["paper_sandbox_event.id"],
            name=op.f("fk_paper_sandbox_proof_event_id_paper_sandbox_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sandbox_proof")),
    )
    with op.batch_alter_table("paper_sandbox_proof", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paper_sandbox_proof_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_paper_sandbox_proof_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    for table in ("paper_sandbox_proof", "paper_sandbox_event", "paper_sandbox_job"):
        op.drop_table(table)
