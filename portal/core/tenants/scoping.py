"""Automatic tenant scoping: the wall between tenants.

Every tenant-owned model inherits :class:`TenantScoped`. Once a tenant is active (a request on its
host, a job re-entering its tenant), every ORM query of such a model gets ``tenant_id = <active>``
added, new rows get the active tenant, and a row of another tenant can neither be loaded nor moved.
A query of a tenant-owned model with no active tenant raises :class:`TenantScopeError`; code that
must cross tenants (back office, scheduler) says so with ``with unscoped():``.

Raw SQL (``text()``) is not covered: use ORM statements for tenant-owned tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, event, false
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

from portal.extensions import Base

_active_tenant: ContextVar[int | None] = ContextVar("portal_active_tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("portal_unscoped", default=False)


class TenantScopeError(RuntimeError):
    """A tenant-owned row was queried or written outside of (or across) a tenant scope."""


class TenantScoped:
    """Mixin for every tenant-owned model: a NOT NULL, indexed ``tenant_id``."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(
            ForeignKey("tenant.id", ondelete="RESTRICT"), index=True, nullable=False
        )


def active_tenant_id() -> int | None:
    """The id of the tenant whose data the current context may see, or None."""
    return _active_tenant.get()


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Run the block as ``tenant_id``: queries and inserts are confined to that tenant."""
    token = _active_tenant.set(tenant_id)
    unscoped_token = _unscoped.set(False)
    try:
        yield
    finally:
        _unscoped.reset(unscoped_token)
        _active_tenant.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Explicitly cross tenants (back office, scheduler, sync). Use sparingly and visibly."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


def activate(tenant_id: int | None):
    """Set the active tenant for the rest of this context (a request); returns the reset token."""
    return _active_tenant.set(tenant_id)


def deactivate(token) -> None:
    _active_tenant.reset(token)


def _is_scoped(mapper) -> bool:
    return issubclass(mapper.class_, TenantScoped)


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or _unscoped.get():
        return
    tenant_id = _active_tenant.get()
    if tenant_id is None:
        scoped = [m.class_.__name__ for m in state.all_mappers if _is_scoped(m)]
        if scoped:
            raise TenantScopeError(f"query of {', '.join(scoped)} with no active tenant")
        # Tenant-owned entities reached through a join yield nothing rather than everything.
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)
        )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_guard_writes(session: Session, flush_context, instances) -> None:
    if _unscoped.get():
        for obj in session.new:
            if isinstance(obj, TenantScoped) and obj.tenant_id is None:
                raise TenantScopeError(f"new {type(obj).__name__} without a tenant")
        return
    tenant_id = _active_tenant.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantScopeError(f"new {type(obj).__name__} with no active tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(f"new {type(obj).__name__} for another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} of another tenant cannot be changed")


@event.listens_for(Base, "load", propagate=True)
def _refuse_foreign_rows(target, context) -> None:
    # Last line of defence: whatever path loaded the row (raw entity SQL, identity-map tricks),
    # a row of another tenant never reaches the application.
    if (
        isinstance(target, TenantScoped)
        and not _unscoped.get()
        and target.tenant_id != _active_tenant.get()
    ):
        raise TenantScopeError(f"{type(target).__name__} of another tenant was loaded")
