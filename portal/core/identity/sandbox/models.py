"""The sandbox provider's own state: what an external service (IDnow) would keep on its side."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class SandboxState(enum.StrEnum):
    CREATED = "created"  # link sent, no photo yet
    PENDING = "pending"  # photo received, "waiting for an operator" until decide_at
    SMS_CODE = "sms_code"  # the operator agreed; the code sent by SMS must be typed
    VERIFIED = "verified"
    FAILED = "failed"


class SandboxIdentitySession(TenantScoped, db.Model):
    """One identification session of the sandbox provider, reached by its secret ``ref``.

    Tenant-scoped like a provider's per-customer account: a link only works on the host of the
    tenant that opened it.
    """

    __tablename__ = "identity_sandbox_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    # The portal's own reference (its verification id), as a real provider would echo it.
    client_reference: Mapped[str] = mapped_column(String(100))
    holder_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[SandboxState] = mapped_column(str_enum(SandboxState))
    simulate_failure: Mapped[bool] = mapped_column(default=False)
    document_name: Mapped[str | None] = mapped_column(String(255))
    decide_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sms_code_hash: Mapped[str | None] = mapped_column(String(64))
    sms_attempts: Mapped[int] = mapped_column(default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
