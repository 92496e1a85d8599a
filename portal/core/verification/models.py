"""What an account needs before it may send: a verified professional identity document, the
platform mandate signed once, and (optional) a strong eIDAS identity verification."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.accounts.models import Account
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class DocumentKind(enum.StrEnum):
    ORIAS_CERTIFICATE = "orias_certificate"  # an intermediary's ORIAS registration certificate
    STATUTES = "statutes"  # a mutual's or company's statutes
    KBIS = "kbis"
    OTHER = "other"


class DocumentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProfessionalDocument(TenantScoped, db.Model):
    __tablename__ = "professional_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    storage_key: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus), default=DocumentStatus.PENDING
    )
    expires_on: Mapped[date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uploaded_by_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    account: Mapped[Account] = relationship()


class PlatformMandate(TenantScoped, db.Model):
    """The mandate letting the platform send the account's mail, signed once by the holder."""

    __tablename__ = "platform_mandate"
    __table_args__ = (UniqueConstraint("account_id", name="uq_platform_mandate_account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    signer_name: Mapped[str] = mapped_column(String(200))
    # The exact text the holder signed, kept as evidence; ``text_sha256`` is its fingerprint.
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(45))
    # Signed through an e-signature procedure (SMS code): the procedure, and the evidence record
    # of the sealed PDF. Mandates signed earlier with the password have neither and stay valid.
    procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="SET NULL")
    )
    signed_document_record_id: Mapped[int | None] = mapped_column(Integer)


class MandateSignatureRequest(TenantScoped, db.Model):
    """The mandate's text as the holder read it when they asked to sign: the procedure's PDF is
    made from it, and so is the ``PlatformMandate`` once the procedure is signed (the account's
    details may change meanwhile: what is kept is what was signed)."""

    __tablename__ = "platform_mandate_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerificationStatus(enum.StrEnum):
    STARTED = "started"  # charged, link emailed, the holder has not opened it yet
    PENDING = "pending"  # documents and video done, the provider's agent is reviewing
    VERIFIED = "verified"
    FAILED = "failed"


class IdentityVerification(TenantScoped, db.Model):
    """A strong (eIDAS) identity verification of the account holder with a provider (IDnow)."""

    __tablename__ = "identity_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[VerificationStatus] = mapped_column(str_enum(VerificationStatus))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship()
