"""The audit log: who did what, when, on what. Append-only: nobody can edit or delete an entry.

The ORM refuses updates and deletes of entries; the migration adds database triggers that refuse
them too, so not even a raw SQL session of the application can rewrite history.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, ForeignKey, String, event, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff | account | system
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def by_staff(staff, tenant_id: int | None) -> dict:
    """The actor fields of :func:`record` for an operator acting on ``tenant_id``."""
    return {
        "actor_type": "staff",
        "actor_id": staff.id,
        "actor_label": staff.email,
        "tenant_id": tenant_id,
    }


def by_account(account, profile=None) -> dict:
    """The actor fields of :func:`record` for an account (and the profile acting)."""
    label = account.email if profile is None else f"{account.email} ({profile.name})"
    return {
        "actor_type": "account",
        "actor_id": account.id,
        "actor_label": label,
        "tenant_id": account.tenant_id,
    }


def by_system(label: str, tenant_id: int | None = None) -> dict:
    """The actor fields of :func:`record` for the platform itself (a job, a provider, the CLI)."""
    return {"actor_type": "system", "actor_id": None, "actor_label": label, "tenant_id": tenant_id}


def record(
    action: str,
    *,
    actor_type: str,
    actor_id: int | None,
    actor_label: str,
    tenant_id: int | None = None,
    target=None,
    **details,
) -> AuditEntry:
    """Add an entry to the current transaction (it is kept only if the action itself commits)."""
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_type=actor_type,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        details={k: v for k, v in details.items() if v is not None},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
