"""The mail transport contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from email.message import EmailMessage


class MailError(RuntimeError):
    """The message could not be handed over; the caller (usually a job) may retry."""


class MailBounced(MailError):
    """The relay refused one or more recipients for good (a permanent, 5xx answer): sending
    again will not help. ``recipients`` are the refused addresses; the message may have reached
    the others. A job that sends should catch it and tell someone rather than retry."""

    def __init__(self, recipients: Iterable[str], reason: str = ""):
        self.recipients = tuple(recipients)
        self.reason = reason
        text = ", ".join(self.recipients)
        super().__init__(f"refused for good: {text}" + (f" ({reason})" if reason else ""))


class MailTransport(ABC):
    #: Writes the message in the caller's database transaction (undone with it) instead of
    #: handing it to a relay: a job's failed attempt then leaves nothing sent.
    transactional: bool = False

    @abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one complete message (envelope from its From / To / Cc / Bcc headers).

        Raises ``MailError`` when it could not (a retry may succeed), ``MailBounced`` when some
        recipients are refused for good (after delivering to the others)."""
