"""What every antivirus adapter offers."""

from __future__ import annotations

from typing import Protocol


class ScannerUnavailable(RuntimeError):
    """The scanner did not answer (down, timed out, refused the file's size): refuse the upload."""


class Scanner(Protocol):
    def scan(self, data: bytes) -> str | None:
        """The name of the threat found in ``data``, or None when it is clean.

        Raises :class:`ScannerUnavailable` when no verdict could be had."""
