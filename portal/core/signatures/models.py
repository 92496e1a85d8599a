"""The built-in engine's tables: procedures, their documents and acceptance boxes, signers, the
append-only event history, the outcomes (once each) and the webhook events already received."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import now
from portal.core.signatures.providers.base import Delivery, DocumentRole, RequestStatus
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum

# One list of states: a procedure's, and what an outside provider maps its own onto.
ProcedureState = RequestStatus


FINAL_STATES = frozenset(
    {
        ProcedureState.SIGNED,
        ProcedureState.DECLINED,
        ProcedureState.EXPIRED,
        ProcedureState.CANCELLED,
    }
)


class SignerState(enum.StrEnum):
    WAITING = "waiting"  # ordered procedure: not this signer's turn yet
    INVITED = "invited"
    OPENED = "opened"
    SIGNED = "signed"
    DECLINED = "declined"


class SignatureProcedure(TenantScoped, db.Model):
    """Documents to sign (and to read) by one or more signers before a deadline, asked by a
    plugin or core module (``owner``) about one of its objects (``subject_type``/``subject_id``)."""

    __tablename__ = "signature_procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )
    owner: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[ProcedureState] = mapped_column(
        str_enum(ProcedureState, 20), default=ProcedureState.CREATED, index=True
    )
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 20), default=Delivery.REMOTE)
    ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    require_identity_document: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    success_message: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    price_code: Mapped[str | None] = mapped_column(String(60))
    # The final states that refund the charge (the asking plugin's rule).
    refund_on: Mapped[list] = mapped_column(JSON, default=list)
    charged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    audit_trail_record_id: Mapped[int | None] = mapped_column(Integer)  # an EvidenceRecord
    provider: Mapped[str] = mapped_column(String(40), default="builtin")
    provider_request_id: Mapped[str | None] = mapped_column(String(100))

    documents: Mapped[list[SignatureDocument]] = relationship(
        back_populates="procedure",
        order_by="SignatureDocument.position",
        cascade="all, delete-orphan",
    )
    signers: Mapped[list[ProcedureSigner]] = relationship(
        back_populates="procedure",
        order_by="ProcedureSigner.position",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[SignerEvent]] = relationship(
        back_populates="procedure",
        order_by=lambda: (SignerEvent.at, SignerEvent.id),
        cascade="all, delete-orphan",
    )

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def __repr__(self) -> str:
        return f"<SignatureProcedure {self.reference} {self.state}>"


class SignatureDocument(TenantScoped, db.Model):
    """A PDF of a procedure: the original is kept; each signer's signature stores a new version
    (``signed_storage_key``), never overwriting the one before."""

    __tablename__ = "signature_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[DocumentRole] = mapped_column(str_enum(DocumentRole, 10))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(Integer)
    signed_storage_key: Mapped[str | None] = mapped_column(String(1024))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_record_id: Mapped[int | None] = mapped_column(Integer)

    procedure: Mapped[SignatureProcedure] = relationship(back_populates="documents")
    acceptance_boxes: Mapped[list[SignatureAcceptanceBox]] = relationship(
        back_populates="document",
        order_by="SignatureAcceptanceBox.position",
        cascade="all, delete-orphan",
    )

    @property
    def current_storage_key(self) -> str:
        """The latest version: signed by the signers so far, else the original."""
        return self.signed_storage_key or self.storage_key


class SignatureAcceptanceBox(TenantScoped, db.Model):
    """A sentence the signer ticks on a document (« J'ai lu et j'accepte… »)."""

    __tablename__ = "signature_acceptance_box"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("signature_document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    document: Mapped[SignatureDocument] = relationship(back_populates="acceptance_boxes")


class ProcedureSigner(TenantScoped, db.Model):
    """One signer of a procedure. Their link's token is derived from ``link_nonce`` (rotating it
    kills the link); only its SHA-256 is stored. Only a hash of the SMS code is kept."""

    __tablename__ = "signature_signer"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))  # E.164
    state: Mapped[SignerState] = mapped_column(
        str_enum(SignerState, 20), default=SignerState.WAITING
    )
    link_nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    identity_document_key: Mapped[str | None] = mapped_column(String(1024))
    identity_document_filename: Mapped[str | None] = mapped_column(String(255))
    accepted_box_ids: Mapped[list] = mapped_column(JSON, default=list)
    otp_hash: Mapped[str | None] = mapped_column(String(64))
    otp_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_attempts: Mapped[int] = mapped_column(Integer, default=0)
    otp_sent_count: Mapped[int] = mapped_column(Integer, default=0)
    invitation_bounced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders_sent: Mapped[list] = mapped_column(JSON, default=list)

    procedure: Mapped[SignatureProcedure] = relationship(back_populates="signers")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<ProcedureSigner {self.id} {self.state}>"


class SignerEvent(TenantScoped, db.Model):
    """One line of a procedure's history (append-only): what happened, when, from where."""

    __tablename__ = "signature_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="CASCADE"), index=True
    )
    signer_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_signer.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    procedure: Mapped[SignatureProcedure] = relationship(back_populates="events")
    signer: Mapped[ProcedureSigner | None] = relationship()


class ProcedureOutcome(TenantScoped, db.Model):
    """A final state reached, recorded once (the unique constraint) and delivered to the owner's
    ``on_signature_outcome`` hook by a job (``delivered_at``)."""

    __tablename__ = "signature_outcome"
    __table_args__ = (UniqueConstraint("procedure_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    procedure: Mapped[SignatureProcedure] = relationship()


class SignatureWebhookEvent(TenantScoped, db.Model):
    """A provider's webhook event already handled: a replay is recognised by its id."""

    __tablename__ = "signature_webhook_event"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    payload_sha256: Mapped[str] = mapped_column(String(64))


MODELS = [
    SignatureProcedure,
    SignatureDocument,
    SignatureAcceptanceBox,
    ProcedureSigner,
    SignerEvent,
    ProcedureOutcome,
    SignatureWebhookEvent,
]
