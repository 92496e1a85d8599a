"""The sendings' tables: the sending (one letter to one recipient, by LRE or on paper), its
documents, its timeline of events, its proofs, and each state reached (told to the owner plugin
and the managing profile once)."""

from __future__ import annotations

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
from portal.core.sendings.operators.base import (
    TERMINAL_STATES,
    Channel,
    Party,
    SendingState,
)
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class Sending(TenantScoped, db.Model):
    """One letter to one recipient, asked by a plugin (``owner``) about one of its objects
    (``subject_type``/``subject_id``), managed by an account and one of its profiles.

    ``delivery_id`` is the portal's own id given to the operator (a hand-over repeated after a
    crash is recognised by it); ``operator_ref`` is the operator's id once it has the sending.
    Times are UTC."""

    __tablename__ = "sending"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)
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
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    state: Mapped[SendingState] = mapped_column(
        str_enum(SendingState, 20), default=SendingState.DRAFT, index=True
    )
    sender: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"code", "label", "amount_cents", "vat_rate"}]: vat_rate in basis points (2000 = 20 %).
    price_lines: Mapped[list] = mapped_column(JSON, default=list)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    charged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # When a worker claimed it (DUE): a DUE row claimed long ago is claimed again (sweep).
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str | None] = mapped_column(String(40))
    operator_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Why a validated sending waits whatever its due time (e.g. "mandate_signature": a document
    # is signed after validation); never claimed while set (``release_held``).
    held_for: Mapped[str | None] = mapped_column(String(40))

    documents: Mapped[list[SendingDocument]] = relationship(
        back_populates="sending",
        order_by="SendingDocument.position",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[SendingEvent]] = relationship(
        back_populates="sending",
        order_by=lambda: (SendingEvent.at, SendingEvent.id),
        cascade="all, delete-orphan",
    )
    proofs: Mapped[list[SendingProof]] = relationship(
        back_populates="sending",
        order_by=lambda: SendingProof.id,
        cascade="all, delete-orphan",
    )

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def is_frozen(self) -> bool:
        """Validated: its documents, recipient and options no longer change."""
        return self.state != SendingState.DRAFT

    def sender_party(self) -> Party:
        return party_from(self.sender)

    def recipient_party(self) -> Party:
        return party_from(self.recipient)

    def __repr__(self) -> str:
        return f"<Sending {self.reference} {self.channel} {self.state}>"


def party_to_json(party: Party) -> dict:
    return {
        "name": party.name,
        "email": party.email,
        "address_lines": list(party.address_lines),
        "postal_code": party.postal_code,
        "city": party.city,
        "country": party.country,
        "company": party.company,
        "identified": bool(party.identified),
    }


def party_from(data: dict | None) -> Party:
    data = dict(data or {})
    return Party(
        name=data.get("name") or "",
        email=data.get("email"),
        address_lines=tuple(data.get("address_lines") or ()),
        postal_code=data.get("postal_code") or "",
        city=data.get("city") or "",
        country=data.get("country") or "FR",
        company=data.get("company"),
        identified=bool(data.get("identified")),
    )


class SendingDocument(TenantScoped, db.Model):
    """A PDF of a sending, stored under the tenant's prefix (never changed once validated)."""

    __tablename__ = "sending_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    sending_id: Mapped[int] = mapped_column(
        ForeignKey("sending.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)

    sending: Mapped[Sending] = relationship(back_populates="documents")


class SendingEvent(TenantScoped, db.Model):
    """A line of the sending's timeline: when, what state it meant, who said it (``source``:
    ``portal``, ``operator:<name>``, ``callback``, ``poll``, ``staff``) and the operator's own
    ``code`` verbatim. An operator's ``event_id`` is recorded once per sending."""

    __tablename__ = "sending_event"
    __table_args__ = (UniqueConstraint("sending_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sending_id: Mapped[int] = mapped_column(
        ForeignKey("sending.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    state: Mapped[SendingState] = mapped_column(str_enum(SendingState, 20))
    source: Mapped[str] = mapped_column(String(60))
    code: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(String(200))
    # False: recorded on the timeline only (late, or after a terminal state).
    applied: Mapped[bool] = mapped_column(Boolean, default=True)

    sending: Mapped[Sending] = relationship(back_populates="events")


class SendingProof(TenantScoped, db.Model):
    """A proof the operator issued, archived in the evidence chain (``evidence_record_id``)."""

    __tablename__ = "sending_proof"
    __table_args__ = (UniqueConstraint("sending_id", "kind", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sending_id: Mapped[int] = mapped_column(
        ForeignKey("sending.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))  # a ProofKind value
    filename: Mapped[str] = mapped_column(String(255))
    evidence_record_id: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    sending: Mapped[Sending] = relationship(back_populates="proofs")


class SendingStateReached(TenantScoped, db.Model):
    """A state the sending reached, once: the job that tells the owner plugin
    (``on_sending_state_changed``), emails the managing profile and settles the charge marks
    ``delivered_at`` so it runs its work once."""

    __tablename__ = "sending_state_reached"
    __table_args__ = (UniqueConstraint("sending_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sending_id: Mapped[int] = mapped_column(
        ForeignKey("sending.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[SendingState] = mapped_column(str_enum(SendingState, 20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


MODELS = [Sending, SendingDocument, SendingEvent, SendingProof, SendingStateReached]
