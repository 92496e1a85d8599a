"""What a sending operator is to the portal: a registered-email operator (LRE) or a postal
printer (paper), each behind the same interface, with a sandbox that really runs and an adapter
shaped like a real operator's API.

The portal hands a sending over once, keyed on its own ``delivery_id`` (an operator given the
same id again answers with the same reference and sends nothing twice), then learns what happens
through operator events — pushed by a signed callback and pulled by polling, in any order, any
number of times: the portal applies each ``event_id`` once. Everything here is plain data.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Channel(enum.StrEnum):
    LRE = "lre"  # lettre recommandée électronique
    PAPER = "paper"


class SendingState(enum.StrEnum):
    """The portal's states of a sending; operators' own codes map onto the operator part."""

    DRAFT = "draft"
    VALIDATED = "validated"  # charged, content frozen
    SCHEDULED = "scheduled"  # waits in the database for its due time
    DUE = "due"  # claimed by a worker, being handed over
    HANDED_OVER = "handed_over"  # the operator has it (its reference is known)
    IN_PROGRESS = "in_progress"  # the operator's intermediate states (notified, printing, posted…)
    DELIVERED = "delivered"  # LRE accepted by the recipient / paper delivered
    REFUSED = "refused"  # LRE refused by the recipient / paper refused
    NOT_CLAIMED = "not_claimed"  # LRE not accepted within 15 days / paper not claimed
    RETURNED = "returned"  # paper returned to the sender (NPAI…)
    FAILED = "failed"  # the operator could not send it (address rejected…)
    CANCELLED = "cancelled"  # by the account before it left (refunded)


TERMINAL_STATES = frozenset(
    {
        SendingState.DELIVERED,
        SendingState.REFUSED,
        SendingState.NOT_CLAIMED,
        SendingState.RETURNED,
        SendingState.FAILED,
        SendingState.CANCELLED,
    }
)


class ProofKind(enum.StrEnum):
    DEPOSIT = "deposit"  # preuve de dépôt (LRE and paper)
    NOTIFICATION = "notification"  # LRE: the recipient was notified
    ACCEPTANCE = "acceptance"  # LRE: preuve de réception (accepted)
    REFUSAL = "refusal"  # LRE: preuve de refus
    NEGLIGENCE = "negligence"  # LRE: not claimed within 15 days
    DELIVERY = "delivery"  # paper: delivered (distribution)
    RETURN = "return"  # paper: returned (with the reason)
    AR_SCAN = "ar_scan"  # paper: the signed acknowledgement of receipt, scanned


@dataclass(frozen=True)
class Party:
    """A sender or a recipient. ``identified``: (LRE) their identity was verified, which makes a
    qualified LRE possible (SPEC §2); ``company`` for a legal person."""

    name: str
    email: str | None = None
    address_lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: str = "FR"
    company: str | None = None
    identified: bool = False


@dataclass(frozen=True)
class OutgoingDocument:
    filename: str
    content: bytes  # a PDF


@dataclass(frozen=True)
class Handover:
    """What the portal hands over. ``delivery_id`` is the portal's own id of this sending: the
    operator keeps it, so a hand-over repeated after a crash is recognised, never sent twice.

    ``options`` — LRE: ``{"qualified": bool}``; paper: ``{"mode": "ecopli" | "lettre_verte" |
    "lettre_suivie" | "recommande" | "recommande_ar", "colour": bool, "duplex": bool,
    "staple": bool}``."""

    delivery_id: str
    channel: Channel
    sender: Party
    recipient: Party
    documents: tuple[OutgoingDocument, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    """The operator has the sending: its own reference, and a tracking number when it has one.
    ``existing``: it held this ``delivery_id`` already (a hand-over repeated after a crash),
    nothing was sent again."""

    operator_ref: str
    tracking_number: str | None = None
    existing: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ProofFile:
    kind: ProofKind
    filename: str
    content: bytes
    media_type: str = "application/pdf"


@dataclass(frozen=True)
class OperatorEvent:
    """Something that happened to a sending at the operator. ``event_id`` is constant across
    the operator's retries and between its callback and its polling answer; ``code`` is the
    operator's own word or code, kept verbatim on the sending's timeline (AR24's status,
    Maileva's A01/P01/D01/N01…); ``state`` is what it means for the portal."""

    event_id: str
    delivery_id: str
    operator_ref: str
    code: str
    state: SendingState
    occurred_at: datetime
    detail: str = ""
    proofs: tuple[ProofFile, ...] = ()


class OperatorUnavailable(RuntimeError):
    """The operator cannot be reached or answered 5xx: try again later (nothing was sent)."""


class HandoverRejected(ValueError):
    """The operator refuses this sending for good (an address it rejects, a document it cannot
    print): the sending fails, and is refunded. ``reason`` is for the agent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CallbackRejected(ValueError):
    """A callback is refused (bad or missing signature, malformed body): nothing is applied."""


class Operator(ABC):
    """A sending operator (one instance per configuration)."""

    name: str
    channel: Channel

    @abstractmethod
    def hand_over(self, handover: Handover) -> Accepted:
        """Give the sending to the operator. Idempotent on ``handover.delivery_id``: asked again,
        the operator answers with the same reference (``existing=True``) and sends nothing
        more — the portal relies on it and never looks the id up first. Raises
        ``OperatorUnavailable`` (retry) or ``HandoverRejected`` (fail)."""

    @abstractmethod
    def find(self, delivery_id: str) -> Accepted | None:
        """The sending the operator holds under the portal's ``delivery_id``, or None: how a
        hand-over that crashed half way is reconciled (never by sending again)."""

    @abstractmethod
    def events(self, operator_ref: str) -> list[OperatorEvent]:
        """Every event of the sending so far, oldest first (polling)."""

    @abstractmethod
    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> list[OperatorEvent]:
        """Check a callback's signature and turn it into events; ``CallbackRejected`` if not."""
