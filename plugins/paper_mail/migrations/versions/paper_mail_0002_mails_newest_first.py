"""paper_mail: the list's page, newest first, from an index of the account's mails by id

Revision ID: paper_mail_0002
Revises: paper_mail_0001
"""

from alembic import op

revision = "paper_mail_0002"
down_revision = "paper_mail_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("paper_mail_mail") as batch_op:
        batch_op.create_index("ix_paper_mail_mail_account_newest", ["account_id", "id"])


def downgrade():
    with op.batch_alter_table("paper_mail_mail") as batch_op:
        batch_op.drop_index("ix_paper_mail_mail_account_newest")
