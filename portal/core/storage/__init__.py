"""File storage behind one interface: a local folder (default) or an S3-compatible bucket.

Tenant files are stored under :func:`tenant_key` so two tenants' files never share a key::

    from portal.core.storage import storage, tenant_key
    storage().put(tenant_key(tenant.id, "letters", f"{letter.id}.pdf"), pdf, "application/pdf")
"""

from __future__ import annotations

from flask import Flask, current_app

from portal.core.storage.base import (
    InvalidKey,
    ObjectInfo,
    Storage,
    guess_content_type,
    tenant_key,
    validate_key,
)
from portal.core.storage.download import send_stored_file
from portal.core.storage.local import LocalStorage

__all__ = [
    "InvalidKey",
    "LocalStorage",
    "ObjectInfo",
    "S3Storage",
    "Storage",
    "guess_content_type",
    "init_app",
    "send_stored_file",
    "storage",
    "storage_from_config",
    "tenant_key",
    "validate_key",
]


def __getattr__(name: str):
    if name == "S3Storage":
        from portal.core.storage.s3 import S3Storage

        return S3Storage
    raise AttributeError(name)


def storage_from_config(config) -> Storage:
    kind = config.get("PORTAL_STORAGE", "local")
    if kind == "local":
        return LocalStorage(config["PORTAL_STORAGE_PATH"])
    if kind == "s3":
        from portal.core.storage.s3 import S3Storage  # boto3 only where S3 is configured

        return S3Storage(
            config.get("PORTAL_S3_BUCKET"),
            endpoint_url=config.get("PORTAL_S3_ENDPOINT_URL"),
            region=config.get("PORTAL_S3_REGION"),
        )
    raise ValueError(f"PORTAL_STORAGE must be 'local' or 's3', not {kind!r}")


def init_app(app: Flask) -> None:
    app.extensions["portal.storage"] = storage_from_config(app.config)


def storage() -> Storage:
    """The storage of the running application."""
    return current_app.extensions["portal.storage"]
