"""Tenants: configuration folders, host resolution and the automatic data scope."""

from __future__ import annotations

from flask import Flask

from portal.core.tenants.config import CurrentTenant
from portal.core.tenants.models import Tenant, TenantHost
from portal.core.tenants.resolver import (
    TenantDirectory,
    current_tenant,
    leave_request_tenant,
    resolve_request_tenant,
    tenant_directory,
)
from portal.core.tenants.scoping import (
    TenantScoped,
    TenantScopeError,
    active_tenant_id,
    tenant_scope,
    unscoped,
)

__all__ = [
    "CurrentTenant",
    "Tenant",
    "TenantHost",
    "TenantScopeError",
    "TenantScoped",
    "active_tenant_id",
    "current_tenant",
    "init_app",
    "tenant_directory",
    "tenant_scope",
    "unscoped",
]


def init_app(app: Flask) -> None:
    app.extensions["portal.tenants"] = TenantDirectory(app)
    # First of all before_request functions: nothing runs without a tenant.
    app.before_request_funcs.setdefault(None, []).insert(0, resolve_request_tenant)
    app.teardown_request(leave_request_tenant)
