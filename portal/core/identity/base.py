"""The contract between the portal and a strong identity-verification provider (IDnow…)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

# What a provider may answer about a session; the values of ``VerificationStatus``.
STARTED = "started"  # the holder has not finished the provider's steps yet
PENDING = "pending"  # the provider's operator is reviewing
VERIFIED = "verified"
FAILED = "failed"
FINAL = frozenset({VERIFIED, FAILED})


@dataclass(frozen=True)
class StartedIdentity:
    """What a provider answers when a session is opened: its reference and the holder's link."""

    provider_ref: str
    link: str


@dataclass(frozen=True)
class ProviderStatus:
    """Where a provider's session stands; ``reason`` explains a failure in the holder's words."""

    status: str
    reason: str | None = None

    def __post_init__(self):
        if self.status not in (STARTED, PENDING, VERIFIED, FAILED):
            raise ValueError(f"unknown identity status {self.status!r}")


class IdentityProvider(ABC):
    """A provider that verifies the account holder's identity (eIDAS "substantial" level).

    ``start`` opens a session and runs inside the portal's transaction (a provider that keeps its
    state elsewhere makes its call there; if the transaction then fails, the session is simply
    never used). The provider tells the portal that a session changed by calling
    ``portal.core.verification.identification.provider_session_changed(provider_ref)``
    (directly, from a webhook view, or from a job); the portal then asks ``status``.
    """

    name: ClassVar[str]

    @abstractmethod
    def start(self, verification, account) -> StartedIdentity:
        """Open a session for ``account``'s holder (``verification`` is the portal's record, with
        an id); return its reference and the link the holder follows (emailed by the portal)."""

    @abstractmethod
    def status(self, provider_ref: str) -> ProviderStatus:
        """The current state of a session opened by ``start``."""

    def link(self, provider_ref: str) -> str | None:
        """The holder's link to an open session (to show it again), if the provider allows it."""
        return None
