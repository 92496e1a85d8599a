"""Background jobs of the verification module."""

from __future__ import annotations

from portal.core.jobs import job


@job(queue="default")
def identity_session_changed(tenant_id, provider_ref):
    """A provider said one of its sessions changed: record where it stands (idempotent)."""
    from portal.core.verification.identification import provider_session_changed

    provider_session_changed(provider_ref)
