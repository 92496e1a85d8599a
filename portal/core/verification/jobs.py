"""Background jobs of the verification module."""

from __future__ import annotations

from portal.core.jobs import job


@job(queue="default")
def identity_session_changed(tenant_id, provider_ref):
    """A provider said one of its sessions changed: record where it stands (idempotent)."""
    from portal.core.database import take_sqlite_write_lock
    from portal.core.verification.identification import provider_session_changed

    # SQLite: read what it then changes under the write lock, or an email job writing meanwhile
    # makes its first write fail (a stale snapshot) and the status waits for a retry.
    take_sqlite_write_lock("identity_verification")
    provider_session_changed(provider_ref)
