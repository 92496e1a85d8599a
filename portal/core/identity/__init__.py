"""Strong identity verification providers, behind one interface (``PORTAL_IDENTITY``).

``sandbox`` (default) is a stand-in for IDnow that really runs the lifecycle on its own pages
(``/_sandbox/identite/<ref>``): explanation, photo of an ID document, "waiting for an operator",
then a decision taken by a scheduled job after ``PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS`` (default
20 s), optionally followed by an SMS code (``PORTAL_IDENTITY_SANDBOX_SMS_CODE=1``). A file named
or containing "refus", or the "simulate a failure" box, makes it fail.

Production mode refuses to start with the sandbox (anyone could "verify" themselves); a demo
says so on every page. A real provider implements :class:`IdentityProvider` and is added to
``PROVIDERS``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from portal.core.identity.base import (
    FAILED,
    FINAL,
    PENDING,
    STARTED,
    VERIFIED,
    IdentityProvider,
    ProviderStatus,
    StartedIdentity,
)

__all__ = [
    "FAILED",
    "FINAL",
    "PENDING",
    "PROVIDERS",
    "STARTED",
    "VERIFIED",
    "IdentityProvider",
    "ProviderStatus",
    "StartedIdentity",
    "identity_provider",
    "init_app",
]

TEMPLATES = Path(__file__).parent / "templates"


def _sandbox() -> IdentityProvider:
    from portal.core.identity.sandbox import SandboxIdentityProvider

    return SandboxIdentityProvider()


PROVIDERS = {"sandbox": _sandbox}


def init_app(app: Flask) -> None:
    """Choose the provider from ``PORTAL_IDENTITY``; the sandbox also serves its own pages."""
    kind = app.config["PORTAL_IDENTITY"]
    if kind not in PROVIDERS:
        raise ValueError(f"PORTAL_IDENTITY must be one of {sorted(PROVIDERS)}, not {kind!r}")
    app.extensions["portal.identity"] = PROVIDERS[kind]()
    if kind == "sandbox":
        from portal.core.identity.sandbox.blueprint import blueprint

        app.template_folders.append(TEMPLATES)
        app.register_blueprint(blueprint)


def identity_provider() -> IdentityProvider:
    """The identity provider of the running application."""
    return current_app.extensions["portal.identity"]
