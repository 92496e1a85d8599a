"""sendings: the sending, its documents, its timeline, its proofs and the states it reached

Revision ID: core_0025
Revises: core_0024
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0025"
down_revision = "core_0024"
branch_labels = None
depends_on = None

STATES = (
    "draft",
    "validated",
    "scheduled",
    "due",
    "handed_over",
    "in_progress",
    "delivered",
    "refused",
    "not_claimed",
    "returned",
    "failed",
    "cancelled",
)
TABLES = ("sending_state_reached", "sending_proof", "sending_event", "sending_document", "sending")


def _state(name: str = "state") -> sa.Column:
    return sa.Column(
        name,
        sa.Enum(*STATES, name="sendingstate", native_enum=False, length=20),
        nullable=False,
    )


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"), ondelete="RESTRICT"
    )


def _sending_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["sending_id"],
        ["sending.id"],
        name=op.f(f"fk_{table}_sending_id_sending"),
        ondelete="CASCADE",
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade():
    op.create_table(
        "sending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("lre", "paper", name="channel", native_enum=False, length=10),
            nullable=False,
        ),
        _state(),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("price_lines", sa.JSON(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("charged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("operator", sa.String(length=40), nullable=True),
        sa.Column("operator_ref", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_sending_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["account_profile.id"],
            name=op.f("fk_sending_profile_id_account_profile"),
            ondelete="SET NULL",
        ),
        _tenant_fk("sending"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending")),
        sa.UniqueConstraint("reference", name=op.f("uq_sending_reference")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_sending_delivery_id")),
    )
    _indexes("sending", "account_id", "due_at", "operator_ref", "state", "tenant_id")

    op.create_table(
        "sending_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        _sending_fk("sending_document"),
        _tenant_fk("sending_document"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_document")),
    )
    _indexes("sending_document", "sending_id", "tenant_id")

    op.create_table(
        "sending_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _state(),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        _sending_fk("sending_event"),
        _tenant_fk("sending_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_event")),
        sa.UniqueConstraint("sending_id", "event_id", name=op.f("uq_sending_event_sending_id")),
    )
    _indexes("sending_event", "sending_id", "tenant_id")

    op.create_table(
        "sending_proof",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("evidence_record_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        _sending_fk("sending_proof"),
        _tenant_fk("sending_proof"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_proof")),
        sa.UniqueConstraint(
            "sending_id", "kind", "filename", name=op.f("uq_sending_proof_sending_id")
        ),
    )
    _indexes("sending_proof", "sending_id", "tenant_id")

    op.create_table(
        "sending_state_reached",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        _state(),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        _sending_fk("sending_state_reached"),
        _tenant_fk("sending_state_reached"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_state_reached")),
        sa.UniqueConstraint(
            "sending_id", "state", name=op.f("uq_sending_state_reached_sending_id")
        ),
    )
    _indexes("sending_state_reached", "sending_id", "tenant_id")


def downgrade():
    for table in TABLES:  # children first
        op.drop_table(table)
