"""Host → tenant resolution, once per request, with a per-process cache keyed by revision."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask, abort, current_app, g, redirect, request
from sqlalchemy import select

from portal.core.tenants.config import CurrentTenant, build_current_tenant
from portal.core.tenants.models import Tenant, TenantHost
from portal.core.tenants.scoping import activate, deactivate
from portal.extensions import db


class TenantDirectory:
    """Parsed tenants of this process. The database is the truth: one indexed query tells the
    tenant id and revision for a host (remembered for ``PORTAL_TENANT_CACHE_SECONDS``), and a
    changed revision (``tenants sync`` in another process) re-parses that tenant's config."""

    MAX_REMEMBERED_HOSTS = 1000  # unknown hosts are remembered too: bound the memory they take

    def __init__(self, app: Flask):
        self.app = app
        self._parsed: dict[int, CurrentTenant] = {}
        self._hosts: dict[str, tuple[float, int | None, str | None]] = {}
        self._lock = threading.Lock()

    def for_host(self, host: str) -> CurrentTenant | None:
        hostname = host.split(":", 1)[0].lower().rstrip(".")
        now = time.monotonic()
        remembered = self._hosts.get(hostname)
        if remembered is not None and remembered[0] > now:
            _, tenant_id, revision = remembered
        else:
            tenant_id, revision = self._look_up(hostname)
            ttl = float(self.app.config.get("PORTAL_TENANT_CACHE_SECONDS", 2.0))
            if ttl > 0:
                with self._lock:
                    if len(self._hosts) >= self.MAX_REMEMBERED_HOSTS:
                        self._hosts.clear()
                    self._hosts[hostname] = (now + ttl, tenant_id, revision)
        return None if tenant_id is None else self.get(tenant_id, revision)

    def _look_up(self, hostname: str) -> tuple[int | None, str | None]:
        """One query: ``<slug>.<dev suffix>`` by slug, any other host by the tenant's hosts."""
        suffix = self.app.config.get("PORTAL_DEV_HOST_SUFFIX")
        query = select(Tenant.id, Tenant.revision).where(Tenant.active.is_(True))
        if suffix and hostname.endswith("." + suffix):
            query = query.where(Tenant.slug == hostname[: -len(suffix) - 1])
        else:
            query = query.join(TenantHost, TenantHost.tenant_id == Tenant.id).where(
                TenantHost.host == hostname
            )
        row = db.session.execute(query).first()
        return (None, None) if row is None else (row.id, row.revision)

    def get(self, tenant_id: int, revision: str | None = None) -> CurrentTenant | None:
        cached = self._parsed.get(tenant_id)
        if cached is not None and (revision is None or cached.revision == revision):
            return cached
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is None:
            return None
        parsed = build_current_tenant(
            tenant.id,
            tenant.revision,
            tenant.config,
            self.app.extensions["portal.plugins"],
            Path(self.app.config["PORTAL_TENANTS_DIR"]),
        )
        with self._lock:
            self._parsed[tenant_id] = parsed
        return parsed

    def by_id(self, tenant_id: int) -> CurrentTenant | None:
        """The tenant as the database has it now (a job's, whose process may be long-lived)."""
        row = db.session.execute(
            select(Tenant.id, Tenant.revision).where(Tenant.id == tenant_id)
        ).first()
        return None if row is None else self.get(row.id, row.revision)

    def by_slug(self, slug: str) -> CurrentTenant | None:
        row = db.session.execute(
            select(Tenant.id, Tenant.revision).where(Tenant.slug == slug)
        ).first()
        return None if row is None else self.get(row.id, row.revision)

    def enabling(self, plugin: str) -> list[CurrentTenant]:
        """Every tenant enabling ``plugin``, by id (what a plugin's daily job goes through)."""
        from portal.core.tenants.scoping import unscoped

        with unscoped():
            rows = db.session.execute(select(Tenant.id, Tenant.revision).order_by(Tenant.id)).all()
        found = (self.get(row.id, row.revision) for row in rows)
        return [tenant for tenant in found if tenant and plugin in tenant.enabled_plugins]


def tenant_directory() -> TenantDirectory:
    return current_app.extensions["portal.tenants"]


def current_tenant() -> CurrentTenant:
    """The tenant of the current request (set before any view runs)."""
    return g.tenant


def resolve_request_tenant() -> None:
    """``before_request``: find the tenant for the Host header, or answer a plain 404.

    The back office host has no tenant and serves only back-office pages; tenant hosts never
    serve them.
    """
    hostname = request.host.split(":", 1)[0].lower()
    is_backoffice_page = (request.blueprint or "").startswith("backoffice")
    if hostname == current_app.config.get("PORTAL_BACKOFFICE_HOST"):
        g.tenant = None
        g.backoffice = True
        if request.path == "/":
            return redirect("/backoffice/")
        if not is_backoffice_page and request.endpoint != "static":
            abort(404)
        return None
    if is_backoffice_page:
        g.tenant = None
        abort(404)
    tenant = tenant_directory().for_host(request.host)
    if tenant is None:
        g.tenant = None
        abort(404)
    g.tenant = tenant
    g.tenant_scope_token = activate(tenant.id)


def leave_request_tenant(exc: BaseException | None = None) -> None:
    token = g.pop("tenant_scope_token", None)
    if token is not None:
        deactivate(token)
