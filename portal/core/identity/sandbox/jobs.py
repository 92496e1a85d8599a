"""The sandbox operator's decision, run when due (scheduled with ``schedule_at``)."""

from __future__ import annotations

from portal.core.jobs import job


@job(queue="default")
def sandbox_decide(tenant_id, ref):
    """Decide a pending sandbox session (verified, failed, or on to the SMS code)."""
    from portal.core.database import take_sqlite_write_lock
    from portal.core.identity.sandbox import find_session
    from portal.core.identity.sandbox.operations import decide

    take_sqlite_write_lock("identity_sandbox_session")  # SQLite: read what it then changes
    session = find_session(ref)
    if session is not None:
        decide(session)
