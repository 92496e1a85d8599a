"""The cryptography of e-signatures: the platform's sealing key, timestamps, PAdES seals on PDFs,
their validation and the sealed audit trail of a procedure.

* :func:`seal_pdf` — PAdES B-T seal (pyHanko), incremental, with a visible block per signer;
* :func:`validate_pdf` — every signature of a PDF checked offline (:class:`SignatureCheck`);
* :func:`trust_roots` — the certificates to trust (the sandbox CA, or the configured ones);
* :func:`timestamp_authority` — the RFC 3161 authority (``PORTAL_TSA``: sandbox or http);
* :func:`render_audit_trail` — the procedure's audit-trail PDF, sealed.
"""

from __future__ import annotations

from portal.core.signatures.sealing import keys, timestamps
from portal.core.signatures.sealing.keys import (
    SealingError,
    SealingIdentity,
    SigningConfigError,
    TimestampUnavailable,
    sealing_identity,
)
from portal.core.signatures.sealing.pades import (
    SignatureCheck,
    seal_pdf,
    seal_text,
    trust_roots,
    validate_pdf,
)
from portal.core.signatures.sealing.timestamps import (
    HttpTimestampAuthority,
    SandboxTimestampAuthority,
    TimestampAuthority,
    timestamp_authority,
)

__all__ = [
    "HttpTimestampAuthority",
    "SandboxTimestampAuthority",
    "SealingError",
    "SealingIdentity",
    "SignatureCheck",
    "SigningConfigError",
    "TimestampAuthority",
    "TimestampUnavailable",
    "clear_cache",
    "render_audit_trail",
    "seal_pdf",
    "seal_text",
    "sealing_identity",
    "timestamp_authority",
    "trust_roots",
    "validate_pdf",
]


def clear_cache() -> None:
    """Forget the loaded keys and authorities, as a new process would start."""
    keys.clear_cache()
    timestamps.clear_cache()


def render_audit_trail(procedure) -> bytes:
    """The procedure's audit-trail PDF (French), sealed by the platform."""
    from portal.core.signatures.sealing.audit_trail import render_audit_trail as render

    return render(procedure)
