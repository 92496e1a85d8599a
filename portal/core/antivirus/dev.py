"""The development scanner: it knows one threat, the EICAR test file, so the refusal path can be
tried end to end without a ClamAV daemon."""

from __future__ import annotations

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class DevScanner:
    def scan(self, data: bytes) -> str | None:
        return "Eicar-Test-Signature" if EICAR in data else None
