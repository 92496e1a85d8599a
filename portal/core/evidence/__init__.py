"""The evidence archive: every proof stored write-once, in an append-only hash chain per tenant.

A proof (a signed document, an audit trail, later a registered-mail or postal proof) is a file
kept under the tenant's storage prefix, never overwritten, and an :class:`EvidenceRecord` naming
its SHA-256, its kind and how long it is kept (``[retention] proofs_days``, seven years by
default). Each record names the previous record's hash, so a deleted or altered record breaks
the chain; ``verify`` recomputes it and re-hashes every file (``portal evidence verify``, and a
daily job that emails the staff administrators). A purge past retention deletes the files and is
itself a chained record. Calls run in the caller's transaction::

    from portal.core import evidence

    record = evidence.add_proof(tenant.id, "signed_document", pdf_bytes, "mandat.pdf",
                                "application/pdf", subject=procedure)
    evidence.verify(tenant.id).ok
    evidence.purge_expired(tenant.id)
"""

from __future__ import annotations

from flask import Flask

from portal.core.evidence.chain import (
    GENESIS_HASH,
    EvidenceError,
    Problem,
    Report,
    add_proof,
    purge_expired,
    verify,
)
from portal.core.evidence.models import EvidenceCheck, EvidenceIsAppendOnly, EvidenceRecord

__all__ = [
    "GENESIS_HASH",
    "EvidenceCheck",
    "EvidenceError",
    "EvidenceIsAppendOnly",
    "EvidenceRecord",
    "Problem",
    "Report",
    "add_proof",
    "init_app",
    "purge_expired",
    "verify",
]


def init_app(app: Flask) -> None:
    """Nothing to set up: the archive uses the app's storage, jobs and command line."""
