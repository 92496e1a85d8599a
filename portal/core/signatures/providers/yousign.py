"""The Yousign API v3 adapter.

Shapes (https://developers.yousign.com): a Signature Request holds Documents (``nature``
``signable_document`` or ``attachment``), Signers (``info`` + ``fields`` placed on documents,
``signature_level``, ``signature_authentication_mode``) and Consent Requests (boxes to tick).
It is created as ``draft``, then activated (``ongoing``) and ends ``done``, ``declined``,
``expired`` or ``canceled``. Outcomes arrive by webhook, signed with the subscription's secret:
``X-Yousign-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

The mapping from the portal's request to Yousign's JSON bodies, and from Yousign's webhook payloads
to outcome events, are pure functions (tested against recorded shapes); ``YousignProvider`` only
strings them together over an injectable ``HttpSession``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.core import clock
from portal.core.signatures.providers.base import (
    CreatedRequest,
    Delivery,
    Document,
    DocumentRole,
    InvitationBounced,
    OutcomeEvent,
    ProviderConfigError,
    ProviderError,
    RequestCancelled,
    RequestDeclined,
    RequestDone,
    RequestExpired,
    RequestStatus,
    SignatureProvider,
    SignatureRequest,
    SignedFile,
    Signer,
    SignerDeclined,
    SignerSigned,
    StatusReport,
    WebhookRejected,
)
from portal.core.signatures.providers.http import HttpSession, HttpxSession, check

PRODUCTION_URL = "https://api.yousign.app/v3"
SANDBOX_URL = "https://api-sandbox.yousign.app/v3"
SIGNATURE_HEADER = "X-Yousign-Signature-256"

# Yousign retries a failed delivery for about four days (2 min … 2 days) with the same
# event_time: an event older than this is a replay, not a retry.
DEFAULT_MAX_AGE = timedelta(days=5)
CLOCK_SKEW = timedelta(minutes=5)

STATUSES: Mapping[str, RequestStatus] = {
    "draft": RequestStatus.CREATED,
    "approval": RequestStatus.CREATED,
    "ongoing": RequestStatus.ONGOING,
    "done": RequestStatus.SIGNED,
    "declined": RequestStatus.DECLINED,
    "rejected": RequestStatus.DECLINED,
    "expired": RequestStatus.EXPIRED,
    "canceled": RequestStatus.CANCELLED,
    "deleted": RequestStatus.CANCELLED,
}

# Authentic events the portal does not act on: acknowledged, nothing happens.
IGNORED_EVENTS = frozenset(
    {
        "signature_request.created",
        "signature_request.activated",
        "signature_request.approved",
        "signature_request.reminder_executed",
        "signature_request.deleted",
        "signature_request.permanently_deleted",
        "signature_request.reactivated",
        "signer.notified",
        "signer.link_opened",
        "signer.identification_blocked",
        "signer.sender_notified",
        "approver.notified",
        "approver.approved",
        "approver.rejected",
        "approver.notification_delivery_failed",
    }
)


# --------------------------------------------------------------------------------------------------
# Request -> JSON bodies (pure)


def split_name(signer: Signer) -> dict[str, str]:
    return {"first_name": signer.first_name, "last_name": signer.last_name}


def signature_request_body(request: SignatureRequest) -> dict[str, Any]:
    """Body of ``POST /signature_requests``. Yousign's expiration is a day in ``timezone``
    (the request expires at the end of it): the deadline's local date."""
    local_deadline = request.deadline.astimezone(ZoneInfo(request.timezone))
    return {
        "name": request.name[:128],
        "delivery_mode": "email" if request.delivery is Delivery.REMOTE else "none",
        "ordered_signers": request.ordered,
        "timezone": request.timezone,
        "expiration_date": local_deadline.date().isoformat(),
        "external_id": request.reference,
        "signers_allowed_to_decline": True,
    }


def document_form(document: Document) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """Form fields and file of ``POST /signature_requests/{id}/documents`` (multipart)."""
    nature = "signable_document" if document.role is DocumentRole.SIGN else "attachment"
    return (
        {"nature": nature, "parse_anchors": "false"},
        {"file": (document.filename, document.content, "application/pdf")},
    )


def signer_body(
    request: SignatureRequest, signer: Signer, document_ids: Mapping[str, str]
) -> dict[str, Any]:
    """Body of ``POST /signature_requests/{id}/signers``: identity, one signature field per spot
    of this signer, a one-time code by SMS when a mobile is known (by email otherwise)."""
    info: dict[str, Any] = {**split_name(signer), "email": signer.email, "locale": signer.locale}
    if signer.mobile:
        info["phone_number"] = signer.mobile
    fields = [
        {
            "document_id": document_ids[document.key],
            "type": "signature",
            "page": spot.page,
            "x": spot.x,
            "y": spot.y,
            "width": spot.width,
            "height": spot.height,
        }
        for document in request.documents
        if document.role is DocumentRole.SIGN
        for spot in document.spots
        if spot.signer_key == signer.key
    ]
    body: dict[str, Any] = {
        "info": info,
        "signature_level": "electronic_signature",
        "signature_authentication_mode": "otp_sms" if signer.mobile else "otp_email",
        "fields": fields,
    }
    if request.delivery is Delivery.IN_PERSON:
        body["delivery_mode"] = "none"
    return body


def consent_request_bodies(
    request: SignatureRequest, signer_ids: Mapping[str, str], document_ids: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Bodies of ``POST /signature_requests/{id}/consent_requests``: one checkbox per acceptance
    box of each document, asked of every signer and tied to its document (Yousign shows a link to
    it next to the box). Yousign allows 25 per request and 1,000 characters of text."""
    everyone = [signer_ids[s.key] for s in request.signers]
    bodies: list[dict[str, Any]] = []
    for document in request.documents:
        for box in document.acceptance_boxes:
            bodies.append(
                {
                    "type": "checkbox",
                    "settings": {"text": box.label[:1000]},
                    "optional": not box.required,
                    "signer_ids": everyone,
                    "document_id": document_ids[document.key],
                }
            )
    if len(bodies) > 25:
        raise ValueError("Yousign accepts at most 25 acceptance boxes per request")
    return bodies


# --------------------------------------------------------------------------------------------------
# Webhooks (pure)


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value Yousign sends for ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    """Raise ``WebhookRejected`` unless ``header`` is the signature of the raw ``body``.
    Compared in constant time."""
    if not secret:
        raise ProviderConfigError("the Yousign webhook secret is not configured")
    if not header:
        raise WebhookRejected("missing_signature", f"no {SIGNATURE_HEADER} header")
    expected = webhook_signature(secret, body)
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise WebhookRejected("bad_signature")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _event_time(payload: Mapping[str, Any]) -> datetime:
    raw = payload.get("event_time")
    try:
        return datetime.fromtimestamp(int(raw), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise WebhookRejected("malformed", f"event_time {raw!r}") from exc


def events_from_payload(
    payload: Mapping[str, Any],
    *,
    now: datetime,
    sandbox: bool | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> list[OutcomeEvent]:
    """Turn a (verified) webhook payload into outcome events.

    Refuses (``WebhookRejected``) a payload without event id/name or request id, an event from the
    other environment (sandbox vs production), an event older than ``max_age`` or from the
    future, and an event name Yousign does not document. Returns ``[]`` for the documented events
    the portal does not act on.
    """
    if not isinstance(payload, Mapping):
        raise WebhookRejected("malformed", "not a JSON object")
    event_id = payload.get("event_id")
    name = payload.get("event_name")
    if not isinstance(event_id, str) or not event_id or not isinstance(name, str):
        raise WebhookRejected("malformed", "no event_id or event_name")
    if sandbox is not None and bool(payload.get("sandbox")) != sandbox:
        raise WebhookRejected("wrong_environment", f"sandbox={payload.get('sandbox')!r}")
    occurred_at = _event_time(payload)
    if occurred_at < now - max_age:
        raise WebhookRejected("stale_event", occurred_at.isoformat())
    if occurred_at > now + CLOCK_SKEW:
        raise WebhookRejected("future_event", occurred_at.isoformat())
    if name in IGNORED_EVENTS:
        return []

    data = payload.get("data")
    request = data.get("signature_request") if isinstance(data, Mapping) else None
    if not isinstance(request, Mapping) or not request.get("id"):
        raise WebhookRejected("malformed", "no data.signature_request.id")
    common: dict[str, Any] = {
        "event_id": event_id,
        "provider_request_id": str(request["id"]),
        "reference": request.get("external_id") or None,
        "occurred_at": occurred_at,
    }

    def signer_id() -> str:
        signer = data.get("signer") if isinstance(data, Mapping) else None
        if not isinstance(signer, Mapping) or not signer.get("id"):
            raise WebhookRejected("malformed", f"{name} without data.signer.id")
        return str(signer["id"])

    if name == "signer.done":
        return [SignerSigned(**common, signer_id=signer_id())]
    if name == "signer.declined":
        decline = request.get("decline_information") or data.get("signer", {})
        reason = decline.get("reason") if isinstance(decline, Mapping) else None
        return [SignerDeclined(**common, signer_id=signer_id(), reason=str(reason or ""))]
    if name == "signer.notification_delivery_failed":
        return [InvitationBounced(**common, signer_id=signer_id())]
    if name == "signer.error":
        # Yousign cancels the request itself after an internal error on a signer.
        return [RequestCancelled(**common, reason="provider_error")]
    if name == "signature_request.done":
        return [RequestDone(**common)]
    if name in ("signature_request.declined", "signature_request.rejected"):
        return [RequestDeclined(**common)]
    if name == "signature_request.expired":
        return [RequestExpired(**common)]
    if name == "signature_request.canceled":
        return [RequestCancelled(**common, reason=str(request.get("cancelation_reason") or ""))]
    raise WebhookRejected("unknown_event", name)


# --------------------------------------------------------------------------------------------------
# The provider


class YousignProvider(SignatureProvider):
    name = "yousign"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        sandbox: bool = True,
        base_url: str | None = None,
        session: HttpSession | None = None,
        now: Callable[[], datetime] | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        timeout: float = 30,
    ):
        if not api_key:
            raise ProviderConfigError("yousign: api_key is required")
        if not webhook_secret:
            raise ProviderConfigError("yousign: webhook_secret is required")
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.sandbox = sandbox
        self.base_url = (base_url or (SANDBOX_URL if sandbox else PRODUCTION_URL)).rstrip("/")
        self.session: HttpSession = session or HttpxSession(timeout=timeout)
        # Looked up at each call, so that a test freezing ``clock.now`` reaches it.
        self.now = now or (lambda: clock.now())
        self.max_age = max_age
        self.timeout = timeout

    def __repr__(self) -> str:  # never the key
        return f"<YousignProvider {self.base_url}>"

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, expect_json: bool = True, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            answer = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except OSError as exc:
            raise ProviderError(f"yousign {method} {path}: unreachable ({exc})") from exc
        check(answer, f"yousign {method} {path}")
        if not expect_json:
            return answer.content
        try:
            return answer.json() if answer.content else {}
        except ValueError as exc:
            raise ProviderError(f"yousign {method} {path}: answer is not JSON") from exc

    # -- the interface ------------------------------------------------------------------------

    def create(self, request: SignatureRequest) -> CreatedRequest:
        created = self._call("POST", "/signature_requests", json=signature_request_body(request))
        sr = f"/signature_requests/{created['id']}"
        document_ids: dict[str, str] = {}
        for document in request.documents:
            data, files = document_form(document)
            answer = self._call("POST", f"{sr}/documents", data=data, files=files)
            document_ids[document.key] = str(answer["id"])
        signer_ids: dict[str, str] = {}
        for signer in request.signers:
            body = signer_body(request, signer, document_ids)
            signer_ids[signer.key] = str(self._call("POST", f"{sr}/signers", json=body)["id"])
        for body in consent_request_bodies(request, signer_ids, document_ids):
            self._call("POST", f"{sr}/consent_requests", json=body)
        return CreatedRequest(str(created["id"]), signer_ids, document_ids)

    def activate(self, provider_id: str) -> Mapping[str, str]:
        answer = self._call("POST", f"/signature_requests/{provider_id}/activate")
        return {
            str(s["id"]): str(s["signature_link"])
            for s in answer.get("signers") or ()
            if s.get("signature_link")
        }

    def cancel(self, provider_id: str, note: str = "") -> None:
        body: dict[str, Any] = {"reason": "contractualization_aborted"}
        if note:
            body = {"reason": "other", "custom_note": note[:255]}
        self._call("POST", f"/signature_requests/{provider_id}/cancel", json=body)

    def status(self, provider_id: str) -> StatusReport:
        answer = self._call("GET", f"/signature_requests/{provider_id}")
        word = str(answer.get("status"))
        if word not in STATUSES:
            raise ProviderError(f"yousign: unknown signature request status {word!r}")
        signers = {str(s["id"]): str(s.get("status")) for s in answer.get("signers") or ()}
        return StatusReport(provider_id, STATUSES[word], word, signers)

    def signed_documents(self, provider_id: str) -> list[SignedFile]:
        answer = self._call("GET", f"/signature_requests/{provider_id}/documents")
        files = []
        for document in answer if isinstance(answer, list) else answer.get("data", []):
            if document.get("nature") != "signable_document":
                continue
            content = self._call(
                "GET",
                f"/signature_requests/{provider_id}/documents/{document['id']}/download",
                expect_json=False,
            )
            files.append(SignedFile(str(document.get("filename") or document["id"]), content))
        return files

    def audit_trail(self, provider_id: str, signer_id: str) -> SignedFile:
        content = self._call(
            "GET",
            f"/signature_requests/{provider_id}/signers/{signer_id}/audit_trails/download",
            expect_json=False,
        )
        return SignedFile(f"audit-trail-{signer_id}.pdf", content)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[OutcomeEvent]:
        verify_signature(self.webhook_secret, body, _header(headers, SIGNATURE_HEADER))
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookRejected("malformed", "body is not JSON") from exc
        return events_from_payload(
            payload, now=self.now(), sandbox=self.sandbox, max_age=self.max_age
        )
