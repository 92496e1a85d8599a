"""The subscription plugin's tables: the agent's clients (the portfolio), quotes and their
versions, contracts (membership requests), their supporting documents, the agenda, and the
per-prefix counters of quote and contract numbers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugins.subscription.rules import ContractProgress, QuoteState, SignatureState
from portal.core import clock
from portal.core.accounts.ownership import AccountOwned
from portal.core.tenants import TenantScoped
from portal.extensions import db


class Client(AccountOwned, db.Model):
    """A prospect or client of the agent's portfolio (« Rôle » Prospect until a contract)."""

    __tablename__ = "subscription_client"
    __table_args__ = (Index("ix_subscription_client_name", "tenant_id", "account_id", "last_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    civility: Mapped[str] = mapped_column(String(4))  # rules.CIVILITIES
    last_name: Mapped[str] = mapped_column(String(80))
    birth_name: Mapped[str] = mapped_column(String(80), default="")
    first_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(120))
    address_complement: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2), default="FR")
    # The client's login to the client space, and where quotes go; None: the paper form.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    mobile: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()


class Quote(AccountOwned, db.Model):
    """One version of a quote: « HOR-0000000033 / 1 ». « Modifier » adds version 2 with the same
    ``number`` (the previous one becomes « Décliné »). ``needs`` keeps what the wizard asked
    (levels, effective date, regime, postal code, city, country, birth dates, children);
    prices are frozen at issue, in cents TTC."""

    __tablename__ = "subscription_quote"
    __table_args__ = (
        UniqueConstraint("tenant_id", "prefix", "number", "version"),
        Index("ix_subscription_quote_list", "tenant_id", "account_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_client.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(5))
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    product_code: Mapped[str] = mapped_column(String(30))
    formula_code: Mapped[str] = mapped_column(String(20))
    options: Mapped[list] = mapped_column(JSON, default=list)  # option codes
    needs: Mapped[dict] = mapped_column(JSON)
    zone: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[date] = mapped_column(Date)
    # The price at issue: rules.Price as {"lines": [...], "options": [...], "association_fee"}.
    price_detail: Mapped[dict] = mapped_column(JSON)
    monthly_cents: Mapped[int] = mapped_column(Integer)
    annual_cents: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24), default=QuoteState.VALIDATED, index=True)
    # The language the agent issued it in: its PDF and email are written in it.
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )
    # The quote PDF (stored at issue) and the email that carried it (once).
    pdf_key: Mapped[str | None] = mapped_column(String(300))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The subscription link: random, only its SHA-256 kept.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    client: Mapped[Client] = relationship(lazy="joined")


class Contract(AccountOwned, db.Model):
    """A membership request made from a quote: « Contrat n° HOR-0000000026 ». Created when the
    client clicks « Signer le contrat » (nothing of the subscription is stored before)."""

    __tablename__ = "subscription_contract"
    __table_args__ = (UniqueConstraint("tenant_id", "prefix", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_client.id", ondelete="CASCADE"), index=True
    )
    quote_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_quote.id", ondelete="CASCADE"), unique=True
    )
    prefix: Mapped[str] = mapped_column(String(5))
    number: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(30))
    formula_code: Mapped[str] = mapped_column(String(20))
    options: Mapped[list] = mapped_column(JSON, default=list)
    effective_date: Mapped[date] = mapped_column(Date)
    main_due_date: Mapped[str] = mapped_column(
        String(5), default="01/01"
    )  # « Échéance principale »
    annual_cents: Mapped[int] = mapped_column(Integer)  # « Cotisation totale TTC »
    monthly_cents: Mapped[int] = mapped_column(Integer)
    amendment: Mapped[int] = mapped_column(Integer, default=1)  # « Avenant n° 0001 »
    payment_mode: Mapped[str] = mapped_column(String(20), default="direct_debit")
    payment_frequency: Mapped[str] = mapped_column(String(20), default="monthly")

    # What the client gave on the subscription pages (SPEC §7, step 1 and 3).
    social_security_number: Mapped[str] = mapped_column(String(15))
    status_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    health_data_transmission: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    documents_read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    account_holder: Mapped[str] = mapped_column(String(120))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11))
    # The SEPA mandate's unique reference (RUM), unique per creditor (the tenant).
    sepa_reference: Mapped[str] = mapped_column(String(35))
    debit_day: Mapped[int] = mapped_column(Integer, default=5)

    signature_state: Mapped[str] = mapped_column(String(16), default=SignatureState.IN_PROGRESS)
    signature_procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress: Mapped[str] = mapped_column(
        String(24), default=ContractProgress.AWAITING_DOCUMENTS, index=True
    )
    transmitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    membership_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    membership_number: Mapped[str] = mapped_column(String(30), default="")
    # The generated documents: {"membership_form": key, "sepa_mandate": key, ...}
    document_keys: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )

    client: Mapped[Client] = relationship(lazy="joined")
    quote: Mapped[Quote] = relationship(lazy="joined")


class SupportingDocument(TenantScoped, db.Model):
    """A supporting document of a contract (« Pièce justificative »): one row per type asked
    (state « En attente » until a file comes), plus one per extra « Autre pièce »."""

    __tablename__ = "subscription_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("subscription_contract.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))  # rules.SUPPORTING_DOCUMENTS
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )
    storage_key: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uploaded_by: Mapped[str] = mapped_column(String(10), default="")  # "client" | "agent"


class AgendaEvent(AccountOwned, db.Model):
    """A line of the agent's agenda: « Effet le », « Description », « Domaine d'application »
    (a quote's or contract's number), « Créé le »; closed events leave the home page."""

    __tablename__ = "subscription_agenda_event"
    __table_args__ = (
        Index("ix_subscription_agenda", "tenant_id", "account_id", "closed_at", "effective_on"),
        UniqueConstraint("tenant_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the event is about, once: "quote-sent:<quote id>", "contract-signed:<id>"…
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    effective_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500))
    domain: Mapped[str] = mapped_column(String(60))  # « Devis n° HOR-… / 1 », « Contrat n° … »
    quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription_quote.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription_contract.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: clock.now()
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NumberCounter(TenantScoped, db.Model):
    """The last number given per tenant and prefix (quotes and contracts share it, as
    « HOR-0000000033 » quotes and « HOR-0000000026 » contracts do)."""

    __tablename__ = "subscription_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(5))
    last: Mapped[int] = mapped_column(Integer, default=0)


MODELS = [Client, Quote, Contract, SupportingDocument, AgendaEvent, NumberCounter]


class PremiumMovement(AccountOwned, db.Model):
    """A line of a client's premium account (``rules.MovementKind``), append-only: a call, a
    direct debit, an unpaid, a payment. ``contract_id`` None: money not assigned yet.
    ``reference`` names it once per tenant (a call: ``<contract>-<YYYY-MM>``; a direct debit:
    the mandate's reference and the month; a back-office entry: its form's key), so a job run
    twice or a form sent twice records it once."""

    __tablename__ = "subscription_premium_movement"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_subscription_premium_movement_client", "client_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("subscription_client.id", ondelete="CASCADE"))
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription_contract.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)  # > 0; the kind says which way
    on: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7), default="")  # « 2027-03 » for a call
    reason: Mapped[str] = mapped_column(String(8), default="")  # an unpaid's SEPA code
    label: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    recorded_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
