from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db


class AcmeNote(TenantScoped, db.Model):
    """A note of an account, or of the whole tenant (``account_id`` empty)."""

    __tablename__ = "acme_notes_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
