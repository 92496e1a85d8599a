"""``portal tenants sync``: load every ``tenants/<slug>/`` folder into the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from portal.core.plugins.manager import PortalPlugins
from portal.core.tenants.config import config_revision, read_tenant_dir
from portal.core.tenants.models import Tenant, TenantHost
from portal.core.tenants.schema import TenantConfig, TenantConfigError
from portal.core.tenants.scoping import tenant_scope
from portal.extensions import db


@dataclass
class SyncReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def read_all(tenants_dir: Path, plugins: PortalPlugins) -> list[TenantConfig]:
    """Validate every tenant folder; all problems of all files are reported together."""
    configs, errors = [], []
    for path in sorted(p for p in tenants_dir.iterdir() if (p / "tenant.toml").exists()):
        try:
            configs.append(read_tenant_dir(path, plugins))
        except TenantConfigError as exc:
            errors.append(str(exc))
    owners: dict[str, str] = {}
    for config in configs:
        for host in config.hosts:
            if host in owners:
                errors.append(
                    f"{tenants_dir / config.slug / 'tenant.toml'}: hosts: {host!r} "
                    f"is already used by tenant {owners[host]!r}"
                )
            owners[host] = config.slug
    if errors:
        raise SyncError(errors)
    return configs


class SyncError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def sync_tenants(tenants_dir: Path, plugins: PortalPlugins) -> SyncReport:
    """Create or update one Tenant row per folder, in one transaction; nothing changes on error."""
    configs = read_all(tenants_dir, plugins)
    report = SyncReport([], [], [])
    for config in configs:
        revision = config_revision(config)
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == config.slug))
        if tenant is None:
            tenant = Tenant(slug=config.slug)
            db.session.add(tenant)
            report.created.append(config.slug)
        elif tenant.revision == revision:
            report.unchanged.append(config.slug)
            continue
        else:
            report.updated.append(config.slug)
        tenant.name = config.name
        tenant.config = config.model_dump(mode="json")
        tenant.revision = revision
        wanted = set(config.hosts)
        tenant.hosts[:] = [h for h in tenant.hosts if h.host in wanted]
        known = {h.host for h in tenant.hosts}
        for host in config.hosts:
            if host not in known:
                # A host moving from one tenant to another is released first.
                stolen = db.session.scalar(select(TenantHost).where(TenantHost.host == host))
                if stolen is not None:
                    db.session.delete(stolen)
                    db.session.flush()
                tenant.hosts.append(TenantHost(host=host))
        db.session.flush()
        with tenant_scope(tenant.id):
            plugins.call("on_tenant_synced", tenant=tenant)
            db.session.flush()  # rows the plugins added belong to this tenant
    db.session.commit()
    return report
