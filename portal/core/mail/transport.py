"""The mail transport contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from email.message import EmailMessage


class MailError(RuntimeError):
    """The message could not be handed over; the caller (usually a job) may retry."""


class MailTransport(ABC):
    @abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one complete message (envelope from its From / To / Cc / Bcc headers)."""
