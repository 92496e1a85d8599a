"""The sandbox identity provider: IDnow's lifecycle played on the portal's own pages.

Steps, as the holder lives them with a real provider: the emailed link opens an explanation
page, then the holder sends a photo of an ID document, then waits for "an operator". The decision
is a job scheduled ``PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS`` later (held in the database, never a
sleep): verified, or failed when the file's name or content holds "refus" or the holder ticked
"simulate a failure". With ``PORTAL_IDENTITY_SANDBOX_SMS_CODE`` on, a verified holder must still
type the code sent by SMS. Every change is notified to the portal as a provider's webhook would
be: by a job.
"""

from __future__ import annotations

import secrets

from flask import url_for
from sqlalchemy import select

from portal.core.identity.base import (
    FAILED,
    PENDING,
    STARTED,
    VERIFIED,
    IdentityProvider,
    ProviderStatus,
    StartedIdentity,
)
from portal.core.identity.sandbox.models import SandboxIdentitySession, SandboxState
from portal.extensions import db

STATUS_OF_STATE = {
    SandboxState.CREATED: STARTED,
    SandboxState.PENDING: PENDING,
    SandboxState.SMS_CODE: PENDING,
    SandboxState.VERIFIED: VERIFIED,
    SandboxState.FAILED: FAILED,
}


def find_session(ref: str) -> SandboxIdentitySession | None:
    """The session of a link, in the active tenant only."""
    return db.session.scalar(
        select(SandboxIdentitySession).where(SandboxIdentitySession.ref == ref)
    )


class SandboxIdentityProvider(IdentityProvider):
    name = "sandbox"

    def start(self, verification, account) -> StartedIdentity:
        session = SandboxIdentitySession(
            ref=secrets.token_urlsafe(24),
            client_reference=str(verification.id),
            holder_name=account.holder_name,
            email=account.email,
            mobile=account.mobile,
            state=SandboxState.CREATED,
        )
        db.session.add(session)
        db.session.flush()
        return StartedIdentity(provider_ref=session.ref, link=self.link(session.ref))

    def status(self, provider_ref: str) -> ProviderStatus:
        session = find_session(provider_ref)
        if session is None:
            return ProviderStatus(FAILED, "Session d'identification introuvable.")
        return ProviderStatus(STATUS_OF_STATE[session.state], session.failure_reason)

    def link(self, provider_ref: str) -> str:
        return url_for("identity_sandbox.welcome", ref=provider_ref, _external=True)
