"""Demo data for the embedded default: schema, demo tenants, and what plugins add on sync."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.database import upgrade_database
from portal.core.tenants.sync import sync_tenants


def load_demo(app: Flask) -> None:
    """Idempotent: bring the schema up to date and (re)load the tenant folders."""
    Path(app.config["PORTAL_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    upgrade_database()
    sync_tenants(Path(app.config["PORTAL_TENANTS_DIR"]), app.extensions["portal.plugins"])
    # The insurers and banks of the termination and borrower services, once, while empty (not in
    # the test suite's app: its tests start from an empty directory).
    if not app.config.get("TESTING"):
        from portal.core.directory.demo import load_demo_directories

        load_demo_directories()
    # The first start makes the sandbox PKI of e-signatures (kept in the storage, never in the
    # repository); later starts load it. Production configures its own key instead.
    if not app.config.get("PORTAL_SIGNING_P12"):
        from portal.core.signatures.sealing import sealing_identity

        sealing_identity()
