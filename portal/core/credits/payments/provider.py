"""The payment-provider interface, the signed outcome a bank sends back, and the provider choice.

A provider takes a payment to its own page (``start``), then reports the outcome twice: the
customer's browser comes back (``handle_return``) and its server notifies ours
(``verify_notification``); either may be missing, late or repeated. ``status`` answers the
reconcile job for a payment nobody reported on.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app


class BadSignature(Exception):
    """An outcome whose signature does not match: never trusted."""


@dataclass(frozen=True)
class Outcome:
    """What the bank decided for one payment reference."""

    ref: str
    succeeded: bool
    reason: str = ""

    @property
    def status(self) -> str:
        return "succeeded" if self.succeeded else "declined"

    def as_fields(self) -> dict[str, str]:
        return {"ref": self.ref, "status": self.status, "reason": self.reason, "sig": sign(self)}


def _key() -> bytes:
    # A key of its own, derived from the app secret: a session cookie signature never fits here.
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(b"portal.credits.payments:" + secret).digest()


def sign(outcome: Outcome) -> str:
    message = f"{outcome.ref}|{outcome.status}|{outcome.reason}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def outcome_from(fields) -> Outcome:
    """Read and verify ``ref``, ``status``, ``reason``, ``sig`` (query string or form)."""
    ref = fields.get("ref") or ""
    status = fields.get("status") or ""
    if not ref or status not in ("succeeded", "declined"):
        raise BadSignature("incomplete outcome")
    outcome = Outcome(ref, status == "succeeded", fields.get("reason") or "")
    # Bytes: compare_digest refuses a str with non-ASCII characters (a 500 instead of a refusal).
    if not hmac.compare_digest(sign(outcome).encode(), (fields.get("sig") or "").encode()):
        raise BadSignature("signature mismatch")
    return outcome


class PaymentProvider(Protocol):
    name: str

    def start(self, payment) -> str:
        """Open the bank's session for ``payment`` (sets ``provider_ref``); the URL to send to."""

    def handle_return(self, request) -> Outcome:
        """The outcome carried by the customer's return; BadSignature if forged."""

    def verify_notification(self, request) -> Outcome:
        """The outcome of a server-to-server notification; BadSignature if forged."""

    def status(self, ref: str) -> Outcome | None:
        """Ask the bank: the final outcome, or None while the customer is still paying."""


PROVIDERS_KEY = "portal.payment_providers"


def register_provider(app: Flask, provider: PaymentProvider) -> None:
    app.extensions.setdefault(PROVIDERS_KEY, {})[provider.name] = provider


def get_provider() -> PaymentProvider:
    """The provider named by ``PORTAL_PAYMENT`` (default ``sandbox``, see ``portal.config``)."""
    name = current_app.config["PORTAL_PAYMENT"]
    try:
        return current_app.extensions[PROVIDERS_KEY][name]
    except KeyError:
        raise RuntimeError(f"PORTAL_PAYMENT={name!r}: no such payment provider") from None
