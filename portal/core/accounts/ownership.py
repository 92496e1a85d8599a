"""Objects owned by an account and managed by one of its profiles ("géré par …").

Plugins' models inherit ``AccountOwned``: the tenant wall comes from ``TenantScoped``, the account
wall from loading through ``get_owned_or_404`` / ``owned_by_current_account``, and
``managed_by_id`` records the profile that created or manages the object (it stays assigned when
the profile is deactivated).
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import ForeignKey, Select, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.core.accounts.session import current_account, current_profile
from portal.core.tenants import TenantScoped
from portal.extensions import db

T = TypeVar("T", bound="AccountOwned")


class AccountOwned(TenantScoped):
    """Mixin: ``account_id`` (the owner) and ``managed_by_id`` (the profile in charge)."""

    @declared_attr
    def account_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def managed_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("account_profile.id", ondelete="SET NULL"), index=True)

    def assign_to_current_profile(self) -> None:
        """Stamp a new object with the current account and profile."""
        self.account_id = current_account().id
        self.managed_by_id = current_profile().id


def owned_by_current_account(model: type[T]) -> Select:
    """``select(model)`` limited to the logged-in account (the tenant limit is automatic)."""
    account = current_account()
    if account is None:
        abort(401)
    return select(model).where(model.account_id == account.id)


def account_profiles(account_id: int) -> list:
    """The account's profiles, inactive ones included (they still manage objects), by name: the
    « collaborator » filter of every list."""
    from portal.core.accounts.models import Profile

    return list(
        db.session.scalars(
            select(Profile).where(Profile.account_id == account_id).order_by(Profile.name)
        )
    )


def get_owned_or_404(model: type[T], object_id: int) -> T:
    """The current account's object with this id; another account's or tenant's is a 404."""
    found = db.session.scalar(owned_by_current_account(model).where(model.id == object_id))
    if found is None:
        abort(404)
    return found
