"""The directory of insurers and banks a tenant's agents write to (kept by the operators)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.core.clock import now
from portal.core.directory.kinds import EntryKind
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class DirectoryEntry(TenantScoped, db.Model):
    """An insurer or a bank: where letters to it go (postal address, registered-email address) and
    whether its recipient is identified (a letter to it may then be a qualified LRE).

    ``search_key`` is the name folded for search (no accents, case or punctuation, words separated
    by one space) and ``compact_key`` the same without spaces (« M.A.I.F » finds « MAIF »); both
    follow the name whenever it is set (:func:`portal.core.directory.search.search_key`). An
    entry is known by its kind and compact key: « M.A.I.F » and « Maïf » are one insurer."""

    __tablename__ = "directory_entry"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "compact_key"),
        Index("ix_directory_entry_lookup", "tenant_id", "kind", "active", "search_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 10), default=EntryKind.INSURER)
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200))
    compact_key: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    complement: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lre_email: Mapped[str] = mapped_column(String(254), default="")
    recipient_identified: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    @validates("name")
    def _fold_name(self, _key, name):
        from portal.core.directory.search import search_key

        self.search_key = search_key(name)
        self.compact_key = self.search_key.replace(" ", "")
        return name

    @property
    def address_lines(self) -> list[str]:
        """The postal address as printed on a letter (empty lines left out)."""
        last = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.street, self.complement, last) if line]

    def __repr__(self) -> str:
        return f"<DirectoryEntry {self.id} {self.kind} {self.name!r}>"
