"""account search text: accents and case aside

Revision ID: core_0010
Revises: core_0009
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None


def _fold(text):
    # The rule of portal.core.accounts.search.fold, frozen here as it was when this ran.
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", bare.casefold()).strip()


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.String(length=800), nullable=True))
    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("commercial_name", sa.String),
        sa.column("orias", sa.String),
        sa.column("search_text", sa.String),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(account)).mappings().all():
        parts = (
            row["email"],
            f"{row['first_name']} {row['last_name']}",
            row["commercial_name"],
            row["orias"],
        )
        text = " | ".join(_fold(part) for part in parts if part)
        connection.execute(
            account.update().where(account.c.id == row["id"]).values(search_text=text)
        )


def downgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("search_text")
