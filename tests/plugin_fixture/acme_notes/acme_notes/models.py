from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db


class AcmeNote(TenantScoped, db.Model):
    __tablename__ = "acme_notes_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
