"""resiliation: letters and their contracts

Revision ID: resiliation_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "resiliation_0001"
down_revision = None
branch_labels = ("resiliation",)
depends_on = "core_0028"  # the directory a letter's recipient comes from


def upgrade():
    op.create_table(
        "resiliation_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("civility", sa.String(length=8), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("professional", sa.Boolean(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("complement", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_reference", sa.String(length=100), nullable=False),
        sa.Column("co_civility", sa.String(length=8), nullable=False),
        sa.Column("co_last_name", sa.String(length=100), nullable=False),
        sa.Column("co_first_name", sa.String(length=100), nullable=False),
        sa.Column("insurer_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_street", sa.String(length=200), nullable=False),
        sa.Column("recipient_complement", sa.String(length=200), nullable=False),
        sa.Column("recipient_postal_code", sa.String(length=10), nullable=False),
        sa.Column("recipient_city", sa.String(length=100), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("recipient_identified", sa.Boolean(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "loi_hamon",
                "echeance_principale",
                "loi_chatel",
                "changement_domicile",
                "retractation",
                "changement_regime_matrimonial",
                "changement_situation_matrimoniale",
                "augmentation_tarif",
                "deces_ou_vente",
                "personnalise",
                "ria",
                name="reason",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("custom_reason", sa.Text(), nullable=False),
        sa.Column("added_text", sa.Text(), nullable=False),
        sa.Column("former_manager_email", sa.String(length=254), nullable=False),
        sa.Column("mandate_kind", sa.String(length=16), nullable=False),
        sa.Column("mandate_ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "sender",
            sa.Enum("agency", "platform", name="sender", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "send_type",
            sa.Enum("lrar", "lr", name="sendtype", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("as_early_as_possible", sa.Boolean(), nullable=False),
        sa.Column("send_date", sa.Date(), nullable=True),
        sa.Column("dates_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("managed_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_resiliation_letter_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["insurer_id"],
            ["directory_entry.id"],
            name=op.f("fk_resiliation_letter_insurer_id_directory_entry"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["managed_by_id"],
            ["account_profile.id"],
            name=op.f("fk_resiliation_letter_managed_by_id_account_profile"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_resiliation_letter_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resiliation_letter")),
        sa.UniqueConstraint("reference", name=op.f("uq_resiliation_letter_reference")),
    )
    with op.batch_alter_table("resiliation_letter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resiliation_letter_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resiliation_letter_insurer_id"), ["insurer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resiliation_letter_managed_by_id"), ["managed_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resiliation_letter_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resiliation_letter_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "resiliation_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "contract_type",
            sa.Enum(
                "auto",
                "habitation_proprietaire",
                "sante",
                "vtam",
                "moto",
                "protection_familiale",
                "multirisque_pro",
                "prevoyance",
                "protection_juridique",
                "habitation_locataire",
                "perte_revenus",
                "multirisque_agricole",
                "decennale",
                "multirisque_commune",
                "plaisance",
                "appareils_nomades",
                "responsabilite_civile",
                "immeuble",
                "garantie_conducteur",
                "accidents_vie",
                "recolte",
                "autre",
                name="contracttype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("other_type", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("property_address", sa.Text(), nullable=False),
        sa.Column("registration", sa.String(length=20), nullable=False),
        sa.Column("main_due_date", sa.Date(), nullable=True),
        sa.Column("new_insurer", sa.String(length=200), nullable=False),
        sa.Column("new_reference", sa.String(length=60), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["resiliation_letter.id"],
            name=op.f("fk_resiliation_contract_letter_id_resiliation_letter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_resiliation_contract_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resiliation_contract")),
    )
    with op.batch_alter_table("resiliation_contract", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resiliation_contract_letter_id"), ["letter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resiliation_contract_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade():
    op.drop_table("resiliation_contract")
    op.drop_table("resiliation_letter")
