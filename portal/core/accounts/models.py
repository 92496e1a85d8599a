"""Accounts (the agency), their profiles (collaborators) and single-use emailed tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.accounts.session_records import SessionRecord
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum


class AccountStatus(enum.StrEnum):
    PENDING_ACTIVATION = "pending_activation"  # self sign-up, activation link not yet used
    PENDING_APPROVAL = "pending_approval"  # approval mode, waiting for an operator
    INVITED = "invited"  # created by an operator, first password not yet set
    ACTIVE = "active"
    REJECTED = "rejected"  # sign-up request refused by an operator
    CLOSING = "closing"  # closure asked: export available until the grace period ends
    CLOSED = "closed"  # personal data deleted


class Account(UserMixin, TenantScoped, db.Model):
    """An account: one login (the holder's email) for an agency, a member or a sales agent
    (``portal.core.accounts.kinds``: the tenant's kind of accounts says which fields it has).

    The email is unique per tenant only: the same person may hold accounts on two tenants.
    """

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_account_tenant_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[AccountStatus] = mapped_column(str_enum(AccountStatus, 32))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # "" where the kind of account has none (a member); pages show ``display_name``.
    commercial_name: Mapped[str] = mapped_column(String(200))
    orias: Mapped[str | None] = mapped_column(String(8))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    # The company's SIREN (9 digits, no spaces), agencies; printed on their invoices.
    siren: Mapped[str | None] = mapped_column(String(9))
    address: Mapped[str] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    # Five digits in France; a foreign postal code where the tenant allows foreign addresses.
    postal_code: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(100))
    # ISO 3166-1 alpha-2 code of the postal address.
    country: Mapped[str] = mapped_column(String(2), default="FR", server_default="FR")
    phone: Mapped[str] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20))
    # The user category of the messaging taxonomy (individual, farmer, employer…: each sees its
    # own themes); None: the tenant's first category (``[messaging] categories``).
    category: Mapped[str | None] = mapped_column(String(32))
    # Email, names, commercial name and ORIAS without accents or case, for the back-office
    # search (kept up to date by ``portal.core.accounts.search``).
    search_text: Mapped[str | None] = mapped_column(String(800))
    # Extra letterhead lines the holder adds (email, phone, website…).
    letterhead_lines: Mapped[list] = mapped_column(JSON, default=list)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closure_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on every password change: sessions carrying an older value are logged out.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    profiles: Mapped[list[Profile]] = relationship(
        back_populates="account", order_by="Profile.id", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        # The session carries the version: a password change (version + 1) ends other sessions.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: may this account log in?
        return self.status in (AccountStatus.ACTIVE, AccountStatus.CLOSING)

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        """The account's name on every page: its commercial name, or its holder's name where
        the account has none (a member of a social-security fund, a sales agent)."""
        return (self.commercial_name or "").strip() or self.holder_name

    @property
    def siren_display(self) -> str:
        """The SIREN as printed ("732 829 320"), or "" when the account has none."""
        from portal.core.accounts.validators import format_siren

        return format_siren(self.siren)

    @property
    def holder_profile(self) -> Profile | None:
        return next((p for p in self.profiles if p.is_holder), None)


class Profile(TenantScoped, db.Model):
    """A collaborator of an account ("utilisateur du compte"), chosen right after login.

    Whatever a plugin creates records the profile that manages it ("géré par …"). A deactivated
    profile can no longer be chosen; what it managed stays assigned to it.
    """

    __tablename__ = "account_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    is_holder: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    account: Mapped[Account] = relationship(back_populates="profiles")


class TokenPurpose(enum.StrEnum):
    ACTIVATION = "activation"
    SET_PASSWORD = "set_password"  # noqa: S105 - approval and invite modes: first password
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password


class AccountToken(TenantScoped, db.Model):
    """A single-use, expiring link sent by email. Only the token's hash is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, 32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    account: Mapped[Account] = relationship()


class AccountSession(SessionRecord, TenantScoped, db.Model):
    """One login of an account on one device (``portal.core.accounts.session_records``)."""

    __tablename__ = "account_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
