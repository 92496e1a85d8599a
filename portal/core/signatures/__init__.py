"""E-signature core (issue 13): signature procedures asked by plugins and core modules, signed
by their signers on the tenant's pages with an SMS code, sealed as PAdES PDFs.

The engine (``models``, ``operations``, pure ``rules``, ``errors``) is re-exported here; the
provider seam lives in ``providers`` (the interface an outside service implements, and the
Yousign v3 adapter)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """The signer's and the agent's page templates (the blueprints come from the hooks)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)
