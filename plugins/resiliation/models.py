"""The resiliation plugin's tables: a termination letter (its subscriber(s), its recipient, its
reason, its sender and dates) and the contracts it terminates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugins.resiliation.rules import ContractType, Reason, Sender, SendType
from portal.core.accounts.ownership import AccountOwned
from portal.core.clock import now
from portal.core.sendings.models import Sending
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class LetterState:
    """Where a letter stands; once validated, its sending (``Letter.sending``) says the rest."""

    DRAFT = "draft"  # written, to finish (mandate, sender, type, dates)
    VALIDATED = "validated"  # charged and frozen; waits for its day, a review or a signature
    SENT = "sent"  # handed to the registered-mail operator (its sending says what followed)
    CANCELLED = "cancelled"  # its send cancelled and refunded; may be scheduled again


class Review:
    """The support's check of an account's first letter (before 18:00 to leave that day)."""

    NONE = ""  # not an account's first letter
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"  # its send cancelled and refunded; scheduled again once put right


class MandateKind:
    """How the subscriber's mandate goes with the letter."""

    UNDECIDED = ""
    HAND_SIGNED = "hand"  # a scan of the mandate signed by hand, uploaded and validated
    ELECTRONIC = "electronic"  # signed through the core's signature procedures
    NONE = "none"  # not attached, after « Je comprends et j'accepte la remarque ci-dessus »


class Letter(AccountOwned, db.Model):
    """A termination letter of an agency for one or two subscribers, to one insurer, for one
    reason, terminating one or more contracts (``contracts``).

    The recipient's name and addresses are copied from the directory when chosen (``insurer_id``
    says which entry), so a later change of the directory never changes a written letter."""

    __tablename__ = "resiliation_letter"
    # The lists' counts per tab read the first index alone (no visit of the letters themselves);
    # a list's page, newest first, walks the second from its end (ten letters read, not all).
    __table_args__ = (
        Index("ix_resiliation_letter_account_state", "account_id", "state", "trashed_at"),
        Index("ix_resiliation_letter_account_newest", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # « RES-7K3M9Q2X4T »
    state: Mapped[str] = mapped_column(String(20), default=LetterState.DRAFT, index=True)

    # The subscriber (souscripteur): a person, or a company when ``professional``.
    civility: Mapped[str] = mapped_column(String(8), default="")  # "M", "Mme" or ""
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    professional: Mapped[bool] = mapped_column(Boolean, default=False)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    street: Mapped[str] = mapped_column(String(200))
    complement: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    client_reference: Mapped[str] = mapped_column(String(100), default="")  # never printed
    # The co-subscriber, when there is one (``co_last_name`` not empty).
    co_civility: Mapped[str] = mapped_column(String(8), default="")
    co_last_name: Mapped[str] = mapped_column(String(100), default="")
    co_first_name: Mapped[str] = mapped_column(String(100), default="")

    # The recipient: the former insurer, copied from the directory.
    insurer_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_entry.id", ondelete="SET NULL"), index=True
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_street: Mapped[str] = mapped_column(String(200), default="")
    recipient_complement: Mapped[str] = mapped_column(String(200), default="")
    recipient_postal_code: Mapped[str] = mapped_column(String(10), default="")
    recipient_city: Mapped[str] = mapped_column(String(100), default="")
    recipient_email: Mapped[str] = mapped_column(String(254), default="")
    recipient_identified: Mapped[bool] = mapped_column(Boolean, default=False)

    # One reason for every contract of the letter.
    reason: Mapped[Reason] = mapped_column(str_enum(Reason, 40))
    custom_reason: Mapped[str] = mapped_column(Text, default="")
    # A change of situation (address, matrimonial regime, marital situation): when it happened
    # (art. L.113-16: the letter states the date and nature of the event).
    event_date: Mapped[date | None] = mapped_column(Date)
    added_text: Mapped[str] = mapped_column(Text, default="")  # above the closing formula
    # The former manager of the contract, emailed a copy once the letter is picked up.
    former_manager_email: Mapped[str] = mapped_column(String(254), default="")

    # The mandate (plugins.resiliation.mandates keeps its files and procedures): how the
    # subscriber's consent goes with the letter — MandateKind; ``mandate_ready_at`` when it is
    # settled (scan validated, e-signature done, or « sans mandat » accepted).
    mandate_kind: Mapped[str] = mapped_column(String(16), default="")
    mandate_ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Finalising: who sends, how, when.
    sender: Mapped[Sender] = mapped_column(str_enum(Sender, 10), default=Sender.AGENCY)
    send_type: Mapped[SendType] = mapped_column(str_enum(SendType, 10), default=SendType.LRAR)
    # Loi Hamon / RIA: the new contracts' first day (None with ``as_early_as_possible``).
    effective_date: Mapped[date | None] = mapped_column(Date)
    as_early_as_possible: Mapped[bool] = mapped_column(Boolean, default=False)
    send_date: Mapped[date | None] = mapped_column(Date)
    # When the agent ticked « Je confirme ces dates et je suis responsable de ce choix ».
    dates_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Validation and sending (Resiliation II).
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The letter's current sending (a re-send after non-claim, or a reschedule after a
    # cancellation, makes a new one; the older ones stay, found by their subject).
    sending_id: Mapped[int | None] = mapped_column(
        ForeignKey("sending.id", ondelete="SET NULL"), index=True
    )
    resend_count: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[str] = mapped_column(String(16), default="")  # Review
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # In the trash (hidden, not cancelled) since; purged after the tenant's trash_days.
    trashed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    sending: Mapped[Sending | None] = relationship(foreign_keys=[sending_id])
    contracts: Mapped[list[LetterContract]] = relationship(
        back_populates="letter",
        order_by="LetterContract.position",
        cascade="all, delete-orphan",
    )

    @property
    def editable(self) -> bool:
        """Only a letter not yet validated may change (nothing changes after validation)."""
        return self.state == LetterState.DRAFT

    @property
    def subscriber_name(self) -> str:
        """« Dupont Jean », or the company's name for a professional subscriber."""
        if self.professional and self.company_name:
            return self.company_name
        return f"{self.last_name} {self.first_name}".strip()

    @property
    def has_co_subscriber(self) -> bool:
        return bool(self.co_last_name)

    @property
    def recipient_address_lines(self) -> list[str]:
        last = " ".join(p for p in (self.recipient_postal_code, self.recipient_city) if p)
        return [x for x in (self.recipient_street, self.recipient_complement, last) if x]


class LetterContract(TenantScoped, db.Model):
    """One contract a letter terminates."""

    __tablename__ = "resiliation_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(
        ForeignKey("resiliation_letter.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    contract_type: Mapped[ContractType] = mapped_column(str_enum(ContractType, 40))
    other_type: Mapped[str] = mapped_column(String(120), default="")  # « Autre type »: its name
    reference: Mapped[str] = mapped_column(String(60))
    property_address: Mapped[str] = mapped_column(Text, default="")
    registration: Mapped[str] = mapped_column(String(20), default="")
    main_due_date: Mapped[date | None] = mapped_column(Date)
    new_insurer: Mapped[str] = mapped_column(String(200), default="")
    new_reference: Mapped[str] = mapped_column(String(60), default="")

    letter: Mapped[Letter] = relationship(back_populates="contracts")
