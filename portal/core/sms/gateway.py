"""The SMS gateway contract."""

from __future__ import annotations

from abc import ABC, abstractmethod


class SmsError(RuntimeError):
    """The gateway did not accept the message; the caller (usually a job) may retry."""


class SmsGateway(ABC):
    #: Writes the SMS in the caller's database transaction (undone with it) instead of handing
    #: it to a gateway: a job's failed attempt then leaves nothing sent.
    transactional: bool = False

    @abstractmethod
    def send(self, to: str, text: str, sender: str, key: str) -> None:
        """Send ``text`` to ``to`` (E.164, already normalised) from ``sender``, once per ``key``:
        a gateway given the same key again must not send a second SMS."""
