"""signature procedures: procedures, documents, acceptance boxes, signers, events, outcomes and
the webhook events already received

Revision ID: core_0023
Revises: core_0022
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0023"
down_revision = "core_0022"
branch_labels = None
depends_on = None

TABLES = (
    "signature_event",
    "signature_acceptance_box",
    "signature_outcome",
    "signature_document",
    "signature_signer",
    "signature_procedure",
    "signature_webhook_event",
)


def upgrade():
    op.create_table(
        "signature_webhook_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_webhook_event_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_webhook_event")),
        sa.UniqueConstraint(
            "tenant_id", "provider", "event_id", name=op.f("uq_signature_webhook_event_tenant_id")
        ),
    )
    with op.batch_alter_table("signature_webhook_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_webhook_event_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "created",
                "ongoing",
                "signed",
                "declined",
                "expired",
                "cancelled",
                name="procedurestate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "delivery",
            sa.Enum("remote", "in_person", name="delivery", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("ordered", sa.Boolean(), nullable=False),
        sa.Column("require_identity_document", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success_message", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("price_code", sa.String(length=60), nullable=True),
        sa.Column("refund_on", sa.JSON(), nullable=False),
        sa.Column("charged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("audit_trail_record_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_request_id", sa.String(length=100), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_signature_procedure_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["account_profile.id"],
            name=op.f("fk_signature_procedure_profile_id_account_profile"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_procedure_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_procedure")),
        sa.UniqueConstraint("reference", name=op.f("uq_signature_procedure_reference")),
    )
    with op.batch_alter_table("signature_procedure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_procedure_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_signature_procedure_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_signature_procedure_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("sign", "read", name="documentrole", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("signed_storage_key", sa.String(length=1024), nullable=True),
        sa.Column("signed_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_record_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_signature_document_procedure_id_signature_procedure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_document_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_document")),
    )
    with op.batch_alter_table("signature_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_document_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_document_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_signature_outcome_procedure_id_signature_procedure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_outcome_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_outcome")),
        sa.UniqueConstraint(
            "procedure_id", "outcome", name=op.f("uq_signature_outcome_procedure_id")
        ),
    )
    with op.batch_alter_table("signature_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_outcome_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_outcome_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_signer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "invited",
                "opened",
                "signed",
                "declined",
                name="signerstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("link_nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("identity_document_key", sa.String(length=1024), nullable=True),
        sa.Column("identity_document_filename", sa.String(length=255), nullable=True),
        sa.Column("accepted_box_ids", sa.JSON(), nullable=False),
        sa.Column("otp_hash", sa.String(length=64), nullable=True),
        sa.Column("otp_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_attempts", sa.Integer(), nullable=False),
        sa.Column("otp_sent_count", sa.Integer(), nullable=False),
        sa.Column("invitation_bounced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_signature_signer_procedure_id_signature_procedure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_signer_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_signer")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signature_signer_token_hash")),
    )
    with op.batch_alter_table("signature_signer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_signer_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_signer_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_acceptance_box",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["signature_document.id"],
            name=op.f("fk_signature_acceptance_box_document_id_signature_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_acceptance_box_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_acceptance_box")),
    )
    with op.batch_alter_table("signature_acceptance_box", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_acceptance_box_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_acceptance_box_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "signature_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["signature_procedure.id"],
            name=op.f("fk_signature_event_procedure_id_signature_procedure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["signature_signer.id"],
            name=op.f("fk_signature_event_signer_id_signature_signer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_signature_event_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_event")),
    )
    with op.batch_alter_table("signature_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_event_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_event_signer_id"), ["signer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_event_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    for table in TABLES:  # children first
        op.drop_table(table)
