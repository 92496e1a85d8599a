"""The mail transport contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from email.message import EmailMessage


class MailError(RuntimeError):
    """The message could not be handed over; the caller (usually a job) may retry."""


class MailTransport(ABC):
    #: Writes the message in the caller's database transaction (undone with it) instead of
    #: handing it to a relay: a job's failed attempt then leaves nothing sent.
    transactional: bool = False

    @abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one complete message (envelope from its From / To / Cc / Bcc headers)."""
