"""The interface a signature provider implements, in the portal's words.

A *signature request* (a "procedure" for the engine) has documents to sign and documents to read
only, one or more signers (in order or in parallel), acceptance boxes per document, a deadline and
a delivery mode (``remote``: the signer gets an emailed link; ``in_person``: the agent opens the
signer's pages on their own screen). A provider turns it into its own objects, activates it,
cancels it, reports its status, hands back the signed documents and the audit trail, and tells the
portal what happened through *outcome events* (parsed from its webhooks, never polled for).

Everything here is plain data (frozen dataclasses, enums) so that adapters stay pure and testable;
the only side effects are the HTTP calls an adapter makes through an injectable ``HttpSession``.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# --------------------------------------------------------------------------------------------------
# What the portal asks for


class Delivery(enum.StrEnum):
    """How signers reach the signing pages."""

    REMOTE = "remote"  # the provider (or the portal) emails each signer a link
    IN_PERSON = "in_person"  # the agent opens the signer's link on their own screen


class DocumentRole(enum.StrEnum):
    SIGN = "sign"  # a document to sign: carries at least one signature spot per signer
    READ = "read"  # a document to read only (general conditions, notice…)


@dataclass(frozen=True)
class Signer:
    """A person who signs. ``key`` is the portal's own handle for them within the request."""

    key: str
    first_name: str
    last_name: str
    email: str
    mobile: str | None = None  # E.164 (+33612345678); needed for a one-time code by SMS
    locale: str = "fr"


@dataclass(frozen=True)
class SignatureSpot:
    """Where a signer's visible signature goes on a document to sign (PDF points, origin top
    left, page numbers from 1)."""

    signer_key: str
    page: int
    x: int
    y: int
    width: int = 180
    height: int = 60


@dataclass(frozen=True)
class AcceptanceBox:
    """A box the signers must (or may) tick before signing, e.g. « J'ai lu et j'accepte… »."""

    key: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class Document:
    key: str
    filename: str
    content: bytes  # a PDF
    role: DocumentRole = DocumentRole.SIGN
    spots: tuple[SignatureSpot, ...] = ()
    acceptance_boxes: tuple[AcceptanceBox, ...] = ()


@dataclass(frozen=True)
class SignatureRequest:
    """What the portal wants signed. ``reference`` is the portal's id of the procedure; providers
    keep it (as an external id) so that their events can be tied back to it."""

    reference: str
    name: str
    deadline: datetime  # aware; shown in ``timezone``
    signers: tuple[Signer, ...]
    documents: tuple[Document, ...]
    ordered: bool = False  # True: one signer after the other, in the order given
    delivery: Delivery = Delivery.REMOTE
    timezone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if self.deadline.tzinfo is None:
            raise ValueError("the deadline must be an aware datetime")
        if not self.signers:
            raise ValueError("a signature request needs at least one signer")
        if not any(d.role is DocumentRole.SIGN for d in self.documents):
            raise ValueError("a signature request needs at least one document to sign")
        keys = [s.key for s in self.signers]
        if len(set(keys)) != len(keys):
            raise ValueError("signer keys must be unique")
        for document in self.documents:
            if document.role is DocumentRole.READ:
                continue
            unknown = {s.signer_key for s in document.spots} - set(keys)
            if unknown:
                raise ValueError(f"{document.key}: spots for unknown signers {sorted(unknown)}")
            missing = set(keys) - {s.signer_key for s in document.spots}
            if missing:
                raise ValueError(f"{document.key}: no signature spot for {sorted(missing)}")


# --------------------------------------------------------------------------------------------------
# What the provider answers


class RequestStatus(enum.StrEnum):
    """The portal's states of a request; providers map theirs onto these."""

    CREATED = "created"
    ONGOING = "ongoing"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class CreatedRequest:
    """The provider's ids for a request it has created (not yet activated)."""

    provider_id: str
    signer_ids: Mapping[str, str]  # signer key -> provider's signer id
    document_ids: Mapping[str, str]  # document key -> provider's document id


@dataclass(frozen=True)
class StatusReport:
    provider_id: str
    status: RequestStatus
    provider_status: str  # the provider's own word, kept verbatim
    signer_statuses: Mapping[str, str] = field(default_factory=dict)  # provider signer id -> word


@dataclass(frozen=True)
class SignedFile:
    filename: str
    content: bytes
    media_type: str = "application/pdf"


# --------------------------------------------------------------------------------------------------
# Outcome events (from webhooks)


@dataclass(frozen=True)
class OutcomeEvent:
    """Something that happened to a request. ``event_id`` is the provider's id for the event,
    constant across its retries: the engine records it to act once per event."""

    event_id: str
    provider_request_id: str
    reference: str | None  # the portal's reference, when the provider echoes it
    occurred_at: datetime


@dataclass(frozen=True)
class SignerSigned(OutcomeEvent):
    signer_id: str


@dataclass(frozen=True)
class SignerDeclined(OutcomeEvent):
    signer_id: str
    reason: str


@dataclass(frozen=True)
class InvitationBounced(OutcomeEvent):
    """The invitation email to a signer could not be delivered: the agent must be told."""

    signer_id: str


@dataclass(frozen=True)
class RequestDone(OutcomeEvent):
    """Every signer has signed."""


@dataclass(frozen=True)
class RequestDeclined(OutcomeEvent):
    """A signer declined: the request is over."""


@dataclass(frozen=True)
class RequestExpired(OutcomeEvent):
    """The deadline passed before every signer signed."""


@dataclass(frozen=True)
class RequestCancelled(OutcomeEvent):
    reason: str = ""


# --------------------------------------------------------------------------------------------------
# Errors


class ProviderError(RuntimeError):
    """The provider could not be reached, or refused a call. The message is for operators."""


class ProviderConfigError(ValueError):
    """The tenant's or the platform's signature settings are incomplete or wrong."""


class WebhookRejected(ValueError):
    """A webhook delivery is refused (bad or missing signature, unknown or stale event,
    malformed payload). ``reason`` is a short machine word for logs and the HTTP answer."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------------------------------
# The interface


class SignatureProvider(ABC):
    """An outside (or the built-in) signature service. One instance per configuration."""

    name: str

    @abstractmethod
    def create(self, request: SignatureRequest) -> CreatedRequest:
        """Create the request with its documents, signers and acceptance boxes, not yet sent."""

    @abstractmethod
    def activate(self, provider_id: str) -> Mapping[str, str]:
        """Start the request (invitations go out in remote mode). Returns each provider signer
        id's signing link (what an agent opens in person; may be empty in remote mode)."""

    @abstractmethod
    def cancel(self, provider_id: str, note: str = "") -> None:
        """Stop an ongoing request for good."""

    @abstractmethod
    def status(self, provider_id: str) -> StatusReport:
        """The request's current state (for display and reconciliation, not for outcomes)."""

    @abstractmethod
    def signed_documents(self, provider_id: str) -> list[SignedFile]:
        """The signed documents, once the request is signed."""

    @abstractmethod
    def audit_trail(self, provider_id: str, signer_id: str) -> SignedFile:
        """The audit trail (proof file) of one signer, once they have signed."""

    @abstractmethod
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[OutcomeEvent]:
        """Check a webhook delivery's authenticity and turn it into outcome events.

        Raises ``WebhookRejected`` when it must be refused; returns ``[]`` for an authentic event
        the portal does not act on (the HTTP answer is then 2xx, so the provider does not retry).
        """
