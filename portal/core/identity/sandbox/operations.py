"""What happens in the sandbox provider: photo received, operator's decision, SMS code.

Each runs in the caller's transaction (view or job) and tells the portal about the change with a
job, as a provider's webhook would.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from portal.core.clock import now
from portal.core.identity.sandbox.models import SandboxIdentitySession, SandboxState
from portal.core.jobs import enqueue, schedule_at

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_CODE_ATTEMPTS = 3
FAILURE_WORD = b"refus"
# Photo formats a phone or a webcam produces; the type is judged by the content.
IMAGE_SIGNATURES = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",  # a scan
)

DOCUMENT_REFUSED = "Le document d'identité n'a pas pu être authentifié par l'opérateur."
TOO_MANY_CODES = "Trop de codes SMS erronés : la session d'identification est close."


class SandboxRefused(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _is_image(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data.startswith(IMAGE_SIGNATURES) or data[4:12] in (b"ftypheic", b"ftypmif1")


def _notify_portal(session: SandboxIdentitySession) -> None:
    from portal.core.verification.jobs import identity_session_changed

    enqueue(identity_session_changed, session.ref)


def submit_photo(
    session: SandboxIdentitySession, filename: str | None, data: bytes, simulate_failure: bool
) -> None:
    """The ID document's photo is in: wait for "an operator", who decides after the delay."""
    if session.state != SandboxState.CREATED:
        raise SandboxRefused(_("Cette étape est déjà faite."))
    if not data:
        raise SandboxRefused(_("Prenez ou choisissez la photo de votre pièce d'identité."))
    if len(data) > MAX_PHOTO_BYTES:
        raise SandboxRefused(_("La photo dépasse 10 Mo."))
    if not _is_image(data):
        raise SandboxRefused(_("Ce fichier n'est pas une photo (JPEG, PNG, GIF, WebP ou PDF)."))
    name = (filename or "").strip()[:255]
    session.document_name = name or None
    session.simulate_failure = bool(
        simulate_failure or FAILURE_WORD in name.lower().encode() or FAILURE_WORD in data.lower()
    )
    delay = float(current_app.config.get("PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS", 20))
    session.state = SandboxState.PENDING
    session.decide_at = now() + timedelta(seconds=max(0.0, delay))
    from portal.core.identity.sandbox.jobs import sandbox_decide

    schedule_at(session.decide_at, sandbox_decide, session.ref)
    _notify_portal(session)


def decide(session: SandboxIdentitySession) -> None:
    """The operator's decision, once due. Safe to run twice: only a pending session changes."""
    if session.state != SandboxState.PENDING:
        return
    if session.simulate_failure:
        _finish(session, SandboxState.FAILED, DOCUMENT_REFUSED)
    elif current_app.config.get("PORTAL_IDENTITY_SANDBOX_SMS_CODE") and session.mobile:
        _send_code(session)
    else:
        _finish(session, SandboxState.VERIFIED)
    _notify_portal(session)


def _code_hash(session: SandboxIdentitySession, code: str) -> str:
    return hashlib.sha256(f"{session.ref}:{code}".encode()).hexdigest()


def _send_code(session: SandboxIdentitySession) -> None:
    from portal.core.sms import send_sms

    code = f"{secrets.randbelow(10**6):06d}"
    session.state = SandboxState.SMS_CODE
    session.sms_code_hash = _code_hash(session, code)
    session.sms_attempts = 0
    send_sms(
        session.mobile,
        # The provider's own words (a job has no reader's language to translate into).
        f"Bac à sable d'identification : votre code de validation est {code}.",
        sender="IDSandbox",
    )


def check_code(session: SandboxIdentitySession, code: str) -> bool:
    """The holder typed the SMS code: right → verified; three wrong codes → failed."""
    if session.state != SandboxState.SMS_CODE:
        raise SandboxRefused(_("Aucun code n'est attendu pour cette session."))
    expected = session.sms_code_hash or ""
    if hmac.compare_digest(expected, _code_hash(session, (code or "").strip())):
        _finish(session, SandboxState.VERIFIED)
        _notify_portal(session)
        return True
    session.sms_attempts += 1
    if session.sms_attempts >= MAX_CODE_ATTEMPTS:
        _finish(session, SandboxState.FAILED, TOO_MANY_CODES)
        _notify_portal(session)
    return False


def _finish(session: SandboxIdentitySession, state: SandboxState, reason: str | None = None):
    session.state = state
    session.failure_reason = reason
    session.completed_at = now()
