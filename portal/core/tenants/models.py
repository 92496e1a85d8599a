"""Tenants and the hosts they answer on. These tables are global (not tenant-scoped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Tenant(db.Model):
    """An insurer, mutual or mail platform with its own brand, hosts and enabled services."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The validated tenant.toml, as JSON; `revision` changes whenever it does, so every web
    # process refreshes its parsed copy without a restart.
    config: Mapped[dict] = mapped_column(JSON)
    revision: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    hosts: Mapped[list[TenantHost]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantHost.host"
    )

    @property
    def enabled_plugins(self) -> frozenset[str]:
        plugins = (self.config or {}).get("plugins", {})
        return frozenset(name for name, entry in plugins.items() if entry.get("enabled", True))

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantHost(db.Model):
    """A host name (custom domain or ``<slug>.localhost``) that resolves to one tenant."""

    __tablename__ = "tenant_host"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    tenant: Mapped[Tenant] = relationship(back_populates="hosts")
