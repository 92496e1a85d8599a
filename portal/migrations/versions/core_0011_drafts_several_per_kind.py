"""drafts: several per account and kind, each with its key, profile, title and creation time

Revision ID: core_0011
Revises: core_0010
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint("uq_draft_kind", type_="unique")
        batch_op.add_column(sa.Column("key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("profile_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    draft = sa.table(
        "draft",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("title", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    for (draft_id,) in connection.execute(sa.select(draft.c.id)).all():
        connection.execute(
            draft.update()
            .where(draft.c.id == draft_id)
            .values(key=secrets.token_urlsafe(16), title="", created_at=draft.c.updated_at)
        )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("title", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column(
            "created_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_draft_key"), ["key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_draft_profile_id_account_profile"),
            "account_profile",
            ["profile_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_draft_list", ["tenant_id", "account_id", "kind", "updated_at"], unique=False
        )


def downgrade():
    # Back to one draft per account and kind: the most recently changed one of each is kept.
    draft = sa.table(
        "draft",
        sa.column("id", sa.Integer),
        sa.column("tenant_id", sa.Integer),
        sa.column("account_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    seen = set()
    rows = connection.execute(
        sa.select(draft).order_by(draft.c.updated_at.desc(), draft.c.id.desc())
    ).all()
    for row in rows:
        owner = (row.tenant_id, row.account_id, row.kind)
        if owner in seen:
            connection.execute(draft.delete().where(draft.c.id == row.id))
        seen.add(owner)
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_list")
        batch_op.drop_constraint(
            batch_op.f("fk_draft_profile_id_account_profile"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_draft_key"), type_="unique")
        batch_op.drop_column("created_at")
        batch_op.drop_column("title")
        batch_op.drop_column("profile_id")
        batch_op.drop_column("key")
        batch_op.create_unique_constraint("uq_draft_kind", ["tenant_id", "account_id", "kind"])
