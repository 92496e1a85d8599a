"""Antivirus scanning of every upload, behind one interface chosen by ``PORTAL_ANTIVIRUS``.

``dev`` (default outside production) refuses the EICAR test file and nothing else; ``clamd``
streams each file to a ClamAV daemon (Debian ``clamav-daemon``) at ``PORTAL_CLAMD_ADDRESS``
(``host:port`` or a Unix socket path). A scanner that cannot answer raises
:class:`ScannerUnavailable`: the upload is refused, never let through unscanned.
"""

from __future__ import annotations

from flask import current_app

from portal.core.antivirus.clamd import ClamdScanner
from portal.core.antivirus.dev import DevScanner
from portal.core.antivirus.scanner import Scanner, ScannerUnavailable

__all__ = [
    "ClamdScanner",
    "DevScanner",
    "Scanner",
    "ScannerUnavailable",
    "scanner",
    "scanner_from_config",
]


def scanner_from_config(config) -> Scanner:
    kind = config["PORTAL_ANTIVIRUS"]
    if kind == "dev":
        return DevScanner()
    if kind == "clamd":
        return ClamdScanner(
            config["PORTAL_CLAMD_ADDRESS"], timeout=config["PORTAL_CLAMD_TIMEOUT_SECONDS"]
        )
    raise ValueError(f"PORTAL_ANTIVIRUS must be 'dev' or 'clamd', not {kind!r}")


def scanner() -> Scanner:
    """The scanner of the running application (built from its configuration once)."""
    extensions = current_app.extensions
    if "portal.antivirus" not in extensions:
        extensions["portal.antivirus"] = scanner_from_config(current_app.config)
    return extensions["portal.antivirus"]
