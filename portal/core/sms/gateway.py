"""The SMS gateway contract."""

from __future__ import annotations

from abc import ABC, abstractmethod


class SmsError(RuntimeError):
    """The gateway did not accept the message; the caller (usually a job) may retry."""


class SmsGateway(ABC):
    @abstractmethod
    def send(self, to: str, text: str, sender: str) -> None:
        """Send ``text`` to ``to`` (E.164, already normalised) from ``sender``."""
