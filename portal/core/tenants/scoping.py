"""Automatic tenant scoping: the wall between tenants.

Every tenant-owned model inherits :class:`TenantScoped`. Once a tenant is active (a request on its
host, a job re-entering its tenant), every ORM query of such a model gets ``tenant_id = <active>``
added (refreshes of expired objects included), new rows and bulk inserts get the active tenant,
and a row of another tenant can neither be loaded, moved nor written. A statement reaching a
tenant-owned table with no active tenant raises :class:`TenantScopeError`, and so does a Core
statement on a tenant-owned table (``select(Model.__table__.c.x)``, ``update(Model.__table__)``):
the ORM entity carries the criterion, the bare table cannot. Code that must cross tenants (back
office, scheduler, sync, migrations) says so with ``with unscoped():``.

Raw SQL (``text()``) is not covered here: on PostgreSQL, row-level security is the second wall
(:mod:`portal.core.database`), fed with this scope on every transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, Table, event, false
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import TableClause

from portal.extensions import Base

_active_tenant: ContextVar[int | None] = ContextVar("portal_active_tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("portal_unscoped", default=False)

#: The tables of every ``TenantScoped`` model, core and plugins (filled as models are declared).
TENANT_TABLES: set[Table] = set()


class TenantScopeError(RuntimeError):
    """A tenant-owned row was queried or written outside of (or across) a tenant scope."""


class TenantScoped:
    """Mixin for every tenant-owned model: a NOT NULL, indexed ``tenant_id``."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(
            ForeignKey("tenant.id", ondelete="RESTRICT"), index=True, nullable=False
        )

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)  # declarative maps the class here
        table = cls.__dict__.get("__table__")
        if isinstance(table, Table):
            TENANT_TABLES.add(table)


def active_tenant_id() -> int | None:
    """The id of the tenant whose data the current context may see, or None."""
    return _active_tenant.get()


def is_unscoped() -> bool:
    """True inside an ``unscoped()`` block: the context deliberately crosses tenants."""
    return _unscoped.get()


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


def visible_in_scope(instance: object) -> bool:
    """Whether the current scope may see ``instance`` (an object the session already holds).

    ``Session.get`` answers from the identity map without a query: the app's session checks its
    answer with this, so an object loaded in one tenant's scope is not found from another's.
    """
    if not isinstance(instance, TenantScoped) or _unscoped.get():
        return True
    tenant_id = _active_tenant.get()
    if tenant_id is None:
        raise TenantScopeError(f"{type(instance).__name__} looked up with no active tenant")
    return instance.tenant_id == tenant_id


def _tenant_tables_in(statement) -> tuple[set[str], set[str]]:
    """Names of the tenant-owned tables a statement reaches: (through ORM entities, bare).

    A table is reached through an entity when an element of the statement is annotated with
    its mapper (the tenant criterion follows the entity); any other use of it is bare.
    """
    reached: set[str] = set()
    entities: set[str] = set()
    for element in visitors.iterate(statement):
        mapper = element._annotations.get("parentmapper")
        if mapper is not None and mapper.local_table in TENANT_TABLES:
            entities.add(mapper.local_table.name)
        elif isinstance(element, TableClause) and element in TENANT_TABLES:
            reached.add(element.name)
    target = getattr(statement, "table", None)  # an INSERT, UPDATE or DELETE
    if target in TENANT_TABLES and not target._annotations:
        entities.discard(target.name)
        reached.add(target.name)
    return entities, reached - entities


# Set by the session on each statement it runs outside ``unscoped()``: which tenant-owned tables
# the engine must refuse. The unit of work's own Core statements (flushes) carry no mark: the
# ``before_flush`` guard covers them.
_WALL = "portal_tenant_wall"
_NO_TENANT = "no tenant"  # every tenant-owned table
_IN_TENANT = "in tenant"  # bare Core tables (ORM entities carry the criterion)
# A refresh, with no active tenant, of an object loaded in a scope that has ended: it reads its
# own row again by identity, on PostgreSQL too (row-level security lets that one statement by).
_HELD_ROW = "held row"


def _reached_tables(compiled: SQLCompiler) -> tuple[set[str], set[str]]:
    # Memoized on the compiled statement, which SQLAlchemy caches: walked once per shape.
    reached = compiled.__dict__.get("_portal_tenant_tables")
    if reached is None:
        reached = compiled._portal_tenant_tables = _tenant_tables_in(compiled.statement)
    return reached


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_unscoped_tables(conn, cursor, statement, parameters, context, executemany) -> None:
    mode = context.execution_options.get(_WALL) if context is not None else None
    if mode not in (_NO_TENANT, _IN_TENANT) or not isinstance(context.compiled, SQLCompiler):
        return
    entities, bare = _reached_tables(context.compiled)
    if bare:
        names = ", ".join(sorted(bare))
        raise TenantScopeError(f"Core statement on tenant-owned {names}: use the ORM entity")
    if mode == _NO_TENANT and entities:
        raise TenantScopeError(f"query of {', '.join(sorted(entities))} with no active tenant")


def _guard_bulk_write(state: ORMExecuteState, tenant_id: int) -> None:
    """Bulk ``insert(Model)`` rows get the active tenant; another tenant's, or moving rows to
    one (``update(Model).values(tenant_id=…)``, or in a bulk UPDATE's rows), is refused."""
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, TenantScoped):
        return
    name = mapper.class_.__name__
    given = next(
        (
            getattr(value, "value", value)
            for column, value in (state.statement._values or {}).items()
            if getattr(column, "key", column) == "tenant_id"
        ),
        None,
    )
    rows = state.parameters
    many = isinstance(rows, list)
    listed = rows if many else [rows] if rows else []
    if given not in (None, tenant_id) or any(
        row.get("tenant_id", tenant_id) != tenant_id for row in listed
    ):
        raise TenantScopeError(f"{name} written for another tenant")
    if not state.is_insert or given is not None:
        return
    if not listed:
        state.statement = state.statement.values(tenant_id=tenant_id)
        return
    stamped = [{**row, "tenant_id": tenant_id} for row in listed]
    state.parameters = stamped if many else stamped[0]


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if _unscoped.get():
        return
    tenant_id = _active_tenant.get()
    if tenant_id is None:
        if state.is_column_load:
            state.update_execution_options(**{_WALL: _HELD_ROW})
            return
        state.update_execution_options(**{_WALL: _NO_TENANT})
        # Tenant-owned entities reached through a relationship yield nothing, not everything.
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)
        )
        return
    state.update_execution_options(**{_WALL: _IN_TENANT})
    if state.is_insert or state.is_update:
        _guard_bulk_write(state, tenant_id)
    if state.is_column_load or state.is_update or state.is_delete:
        # SQLAlchemy leaves loader criteria out of refreshes and of bulk UPDATE by primary key:
        # an expired object of another tenant would be read again in this scope, another
        # tenant's row updated by its id. The criterion goes in the WHERE clause itself.
        for mapper in state.all_mappers:
            if issubclass(mapper.class_, TenantScoped):
                state.statement = state.statement.where(mapper.class_.tenant_id == tenant_id)
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


# -- the second wall: PostgreSQL row-level security follows the scope ----------------------------

_ROW_SECURITY_SCOPE = "portal_row_security_scope"
_SAVEPOINT_COMMANDS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
_SET_SCOPE = (
    "SELECT set_config('portal.tenant_id', %s, true), set_config('portal.unscoped', %s, true)"
)


@event.listens_for(Engine, "before_cursor_execute")
def _feed_row_security(conn, cursor, statement, parameters, context, executemany) -> None:
    """Before a statement on PostgreSQL, give the transaction the current scope (bound values,
    transaction-local) if it does not have it yet: the tenant-wall policies read it, so raw SQL
    that forgets the tenant filter still sees only the active tenant's rows."""
    if conn.dialect.name != "postgresql" or statement.startswith(_SAVEPOINT_COMMANDS):
        return  # a savepoint command reads no row (and after a failed one, it must come first)
    held_row = context is not None and context.execution_options.get(_WALL) == _HELD_ROW
    tenant_id, crossing = _active_tenant.get(), _unscoped.get() or held_row
    # Once per transaction: a savepoint keeps what its transaction set, and one rolled back
    # forgets it (``_forget_row_security``): then the next statement sets it again.
    wanted = (conn.get_transaction(), tenant_id, crossing)
    if conn.info.get(_ROW_SECURITY_SCOPE) == wanted:
        return
    setter = cursor.connection.cursor()
    try:
        setter.execute(
            _SET_SCOPE, ("" if tenant_id is None else str(tenant_id), "on" if crossing else "off")
        )
    finally:
        setter.close()
    conn.info[_ROW_SECURITY_SCOPE] = wanted


@event.listens_for(Engine, "rollback_savepoint")
def _forget_row_security(conn, name, context) -> None:
    # ``set_config(..., true)`` done inside the savepoint is undone with it.
    conn.info.pop(_ROW_SECURITY_SCOPE, None)
