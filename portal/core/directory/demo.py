"""The demo directory: the French insurers, mutuals and banks an agent meets, with fictional
addresses (« .example » emails), loaded by the CSV import's own code into each demo tenant whose
services write to the directory — once, while its directory is empty."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portal.core import audit
from portal.core.directory import operations
from portal.core.directory.models import DirectoryEntry
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

DEMO_FILE = Path(__file__).parent / "data" / "demo_directory.csv"
USING_PLUGINS = frozenset({"resiliation", "emprunteur"})


def load_demo_directory(tenant_id: int) -> int:
    """Import the demo file into the tenant's directory if it is empty (in the caller's
    transaction); the number of entries created."""
    with tenant_scope(tenant_id):
        if db.session.scalar(select(func.count()).select_from(DirectoryEntry)):
            return 0
        plan = operations.import_csv(
            DEMO_FILE.read_bytes(), audit.by_system("demo directory", tenant_id)
        )
        db.session.flush()
        return plan.count("create")


def load_demo_directories() -> dict[str, int]:
    """Each tenant enabling ``resiliation`` or ``emprunteur`` gets the demo directory (when its own
    is empty); committed. ``{slug: entries created}``."""
    from portal.core.tenants import Tenant, unscoped

    with unscoped():
        tenant_ids = list(db.session.scalars(select(Tenant.id)))
    created = {}
    for tenant_id in tenant_ids:
        tenant = tenant_directory().get(tenant_id)
        if tenant is not None and USING_PLUGINS & set(tenant.enabled_plugins):
            created[tenant.slug] = load_demo_directory(tenant_id)
    db.session.commit()
    return created
