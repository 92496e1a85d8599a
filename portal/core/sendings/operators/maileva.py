"""Maileva (Docaposte / La Poste) as the postal printer: ``PORTAL_PAPER_OPERATOR=maileva``.

Speaks Maileva's REST APIs as their OpenAPI files describe them: ``mail/v2`` for letters (ecopli,
lettre verte, lettre suivie) and ``registered_mail/v2`` for registered letters (« LR en ligne »,
with or without acknowledgement of receipt). A hand-over builds then submits a sending:

    POST /sendings (DRAFT, custom_id = the portal's delivery id)
    POST /sendings/{id}/documents (multipart: document + metadata {priority, name}), each
    POST /sendings/{id}/recipients (address lines 1–6, country_code, custom_id)
    POST /sendings/{id}/submit

« Un envoi soumis ne peut pas être annulé »: ``find`` looks the delivery id up first
(``GET /sendings?custom_id=…``), a submitted sending is answered as it is, and a DRAFT left by a
hand-over that crashed half way is deleted and built again (a draft is never sent).

Events come from polling: the sending's status (``ACCEPTED``, ``REJECTED``, ``PROCESSED``,
``PROCESSED_WITH_ERRORS``) and the recipient's delivery statuses
(``/recipients/{rid}/delivery_statuses``: A01 pris en charge … D01 distribué, N01 AR signé,
N02–N10 non distribué), codes kept verbatim. Proofs: the deposit proof (``download_deposit_proof``,
a zip) once Maileva has it, the scanned AR (``download_acknowledgement_of_receipt``) with N01.
A webhook of Maileva's notification center (Basic authentication, as subscribed) names a sending:
its events are then polled. Authentication: OAuth2 password grant (``PORTAL_MAILEVA_*``).
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from portal.core import clock
from portal.core.sendings.operators import register
from portal.core.sendings.operators.base import (
    Accepted,
    CallbackRejected,
    Channel,
    Handover,
    HandoverRejected,
    Operator,
    OperatorEvent,
    OperatorUnavailable,
    ProofFile,
    ProofKind,
    SendingState,
)

REGISTERED_MODES = frozenset({"recommande", "recommande_ar"})
# The recipient's postage class of a letter (mail/v2).
POSTAGE_CLASSES = {
    "ecopli": "ECONOMY",
    "lettre_verte": "GREEN_LETTER",
    "lettre_suivie": "PRIORITY",
}
# Maileva's sending statuses → the portal's states.
SENDING_STATES = {
    "ACCEPTED": SendingState.IN_PROGRESS,
    "PROCESSED": SendingState.IN_PROGRESS,
    "REJECTED": SendingState.FAILED,
    "PROCESSED_WITH_ERRORS": SendingState.FAILED,  # one recipient per sending: it is invalid
}
# Delivery codes with a meaning of their own (every other A/P code is in progress).
DELIVERY_STATES = {
    "D01": SendingState.DELIVERED,
    "N01": SendingState.DELIVERED,  # AR signé : RAR distribué
    "N02": SendingState.RETURNED,  # PND pour une LR (NPAI…)
    "N03": SendingState.NOT_CLAIMED,
    "N04": SendingState.RETURNED,  # décédé
    "N05": SendingState.REFUSED,
    "N06": SendingState.DELIVERED,  # impossibilité de signer: handed over nonetheless
    "N07": SendingState.RETURNED,  # adresse incomplète
    "N08": SendingState.REFUSED,  # refus détérioré
    "N10": SendingState.RETURNED,  # PND pour un courrier
}
DEPOSIT_PROOF_CODE = "ON_DEPOSIT_PROOF_RECEIVED"
TIMEOUT = 30.0


class MailevaOperator(Operator):
    """The Maileva adapter (one per app; thread-safe token cache)."""

    name = "maileva"
    channel = Channel.PAPER

    def __init__(self, config: Mapping, transport: httpx.BaseTransport | None = None):
        import httpx

        self.base = (
            config.get("PORTAL_MAILEVA_API_URL") or "https://api.sandbox.maileva.net"
        ).rstrip("/")
        self.auth_url = config.get("PORTAL_MAILEVA_AUTH_URL") or (
            "https://connexion.sandbox.maileva.net/auth/realms/services/protocol/openid-connect/token"
        )
        self.client_id = config.get("PORTAL_MAILEVA_CLIENT_ID") or ""
        self.client_secret = config.get("PORTAL_MAILEVA_CLIENT_SECRET") or ""
        self.username = config.get("PORTAL_MAILEVA_USERNAME") or ""
        self.password = config.get("PORTAL_MAILEVA_PASSWORD") or ""
        self.webhook_username = config.get("PORTAL_MAILEVA_WEBHOOK_USERNAME") or ""
        self.webhook_password = config.get("PORTAL_MAILEVA_WEBHOOK_PASSWORD") or ""
        self.http = httpx.Client(timeout=TIMEOUT, transport=transport)
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    # -- transport ---------------------------------------------------------------------------

    def _access_token(self) -> str:
        import httpx

        with self._lock:
            if self._token and self._token[1] > time.monotonic() + 30:
                return self._token[0]
            try:
                answer = self.http.post(
                    self.auth_url,
                    data={
                        "grant_type": "password",
                        "username": self.username,
                        "password": self.password,
                    },
                    auth=(self.client_id, self.client_secret),
                )
            except httpx.HTTPError as exc:
                raise OperatorUnavailable(f"Maileva authentication unreachable: {exc}") from exc
            if answer.status_code != 200:
                raise OperatorUnavailable(f"Maileva authentication answered {answer.status_code}")
            data = answer.json()
            self._token = (
                data["access_token"],
                time.monotonic() + float(data.get("expires_in", 300)),
            )
            return self._token[0]

    def _call(self, method: str, path: str, *, reject: bool = False, **kwargs) -> httpx.Response:
        """One API call. 5xx, 429, 401/403 and the network: ``OperatorUnavailable``; another 4xx:
        ``HandoverRejected`` with Maileva's message when ``reject``, else returned."""
        import httpx

        headers = {"Authorization": f"Bearer {self._access_token()}", "Accept": "application/json"}
        try:
            answer = self.http.request(method, self.base + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise OperatorUnavailable(f"Maileva unreachable: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code in (401, 403, 408, 429):
            if answer.status_code == 401:
                self._token = None
            raise OperatorUnavailable(f"Maileva {method} {path} answered {answer.status_code}")
        if reject and answer.status_code >= 400:
            raise HandoverRejected(_error_message(answer))
        return answer

    # -- hand-over ---------------------------------------------------------------------------

    def hand_over(self, handover: Handover) -> Accepted:
        found = self._lookup(handover.delivery_id)
        if found is not None:
            api, sending = found
            if sending.get("status") != "DRAFT":
                ref = _ref(api, sending["id"])
                return Accepted(ref, self._tracking(api, sending["id"]), existing=True)
            self._call("DELETE", f"/{api}/sendings/{sending['id']}")  # a draft is never sent
        mode = str(handover.options.get("mode") or "lettre_verte")
        api = "registered_mail/v2" if mode in REGISTERED_MODES else "mail/v2"
        sending = self._call(
            "POST", f"/{api}/sendings", json=_sending_body(handover, mode), reject=True
        ).json()
        sending_id = sending["id"]
        for position, document in enumerate(handover.documents, start=1):
            metadata = {"priority": position, "name": document.filename}
            self._call(
                "POST",
                f"/{api}/sendings/{sending_id}/documents",
                files={"document": (document.filename, document.content, "application/pdf")},
                data={"metadata": json.dumps(metadata)},
                reject=True,
            )
        self._call(
            "POST",
            f"/{api}/sendings/{sending_id}/recipients",
            json=_recipient_body(handover, mode),
            reject=True,
        )
        self._call("POST", f"/{api}/sendings/{sending_id}/submit", reject=True)
        return Accepted(_ref(api, sending_id), self._tracking(api, sending_id))

    def find(self, delivery_id: str) -> Accepted | None:
        found = self._lookup(delivery_id)
        if found is None or found[1].get("status") == "DRAFT":
            return None
        api, sending = found
        return Accepted(_ref(api, sending["id"]), self._tracking(api, sending["id"]))

    def _lookup(self, delivery_id: str) -> tuple[str, dict] | None:
        for api in ("mail/v2", "registered_mail/v2"):
            answer = self._call("GET", f"/{api}/sendings", params={"custom_id": delivery_id})
            if answer.status_code == 404:
                continue
            for sending in answer.json().get("sendings") or []:
                if sending.get("custom_id") == delivery_id:
                    return api, sending
        return None

    def _recipient(self, api: str, sending_id: str) -> dict | None:
        answer = self._call("GET", f"/{api}/sendings/{sending_id}/recipients")
        if answer.status_code != 200:
            return None
        recipients = answer.json().get("recipients") or []
        return recipients[0] if recipients else None

    def _tracking(self, api: str, sending_id: str) -> str | None:
        if not api.startswith("registered_mail"):
            return None
        recipient = self._recipient(api, sending_id)
        return (recipient or {}).get("registered_number")

    # -- events ------------------------------------------------------------------------------

    def events(self, operator_ref: str) -> list[OperatorEvent]:
        api, sending_id = _parse_ref(operator_ref)
        answer = self._call("GET", f"/{api}/sendings/{sending_id}")
        if answer.status_code == 404:
            return []
        sending = answer.json()
        delivery_id = sending.get("custom_id") or ""
        events: list[OperatorEvent] = []

        def add(event_id, code, state, at, detail="", proofs=()):
            events.append(
                OperatorEvent(
                    event_id=event_id,
                    delivery_id=delivery_id,
                    operator_ref=operator_ref,
                    code=code,
                    state=state,
                    occurred_at=at,
                    detail=detail,
                    proofs=tuple(proofs),
                )
            )

        status = sending.get("status")
        dates = [sending.get(k) for k in ("submission_date", "modification_date", "creation_date")]
        if status in SENDING_STATES:
            add(f"{sending_id}:{status}", status, SENDING_STATES[status], _date(*dates))
        recipient = self._recipient(api, sending_id)
        if status == "PROCESSED" and api.startswith("registered_mail"):
            proof = self._download(f"/{api}/sendings/{sending_id}/download_deposit_proof")
            if proof is not None:
                add(
                    f"{sending_id}:{DEPOSIT_PROOF_CODE}",
                    DEPOSIT_PROOF_CODE,
                    SendingState.IN_PROGRESS,
                    _date(*dates),
                    "Preuve de dépôt disponible",
                    [
                        ProofFile(
                            ProofKind.DEPOSIT,
                            f"preuve-de-depot-{sending_id}.zip",
                            proof,
                            "application/zip",
                        )
                    ],
                )
        if recipient is None:
            return events
        with_ar = bool(sending.get("acknowledgement_of_receipt"))
        answer = self._call(
            "GET", f"/{api}/sendings/{sending_id}/recipients/{recipient['id']}/delivery_statuses"
        )
        statuses = answer.json().get("delivery_statuses") or [] if answer.status_code == 200 else []
        for item in statuses:
            code = item.get("status") or ""
            state = DELIVERY_STATES.get(code, SendingState.IN_PROGRESS)
            if code == "D01" and with_ar:
                state = SendingState.IN_PROGRESS  # the signed AR card (N01) ends it
            proofs = []
            if code == "N01":
                scan = self._download(
                    f"/{api}/sendings/{sending_id}/recipients/{recipient['id']}"
                    "/download_acknowledgement_of_receipt"
                )
                if scan is None:
                    continue  # not scanned yet: the next poll brings it with its proof
                proofs.append(
                    ProofFile(ProofKind.AR_SCAN, f"avis-de-reception-{sending_id}.pdf", scan)
                )
            at = _date(item.get("date"))
            add(
                f"{code}@{item.get('date') or ''}"[:64],
                code,
                state,
                at,
                item.get("label") or "",
                proofs,
            )
        return events

    def _download(self, path: str) -> bytes | None:
        answer = self._call("GET", path)
        return answer.content if answer.status_code == 200 and answer.content else None

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> list[OperatorEvent]:
        """A notification-center callback: Basic authentication as subscribed, then the named
        sending's events are polled (the notification carries no status of its own)."""
        if not (self.webhook_username and self.webhook_password):
            raise CallbackRejected("no webhook credentials configured for Maileva")
        expected = (
            "Basic "
            + base64.b64encode(f"{self.webhook_username}:{self.webhook_password}".encode()).decode()
        )
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise CallbackRejected("bad or missing credentials")
        try:
            payload = json.loads(body)
            resource_type = str(payload["resource_type"])
            sending_id = str(payload["resource_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected(f"malformed notification: {exc}") from exc
        api = "registered_mail/v2" if resource_type.startswith("registered_mail") else "mail/v2"
        return self.events(_ref(api, sending_id))


def _ref(api: str, sending_id: str) -> str:
    return ("lr:" if api.startswith("registered_mail") else "mail:") + sending_id


def _parse_ref(operator_ref: str) -> tuple[str, str]:
    prefix, _, sending_id = operator_ref.partition(":")
    return ("registered_mail/v2" if prefix == "lr" else "mail/v2"), sending_id


def _date(*values: Any) -> datetime:
    for value in values:
        if value:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return clock.now()


def _error_message(answer: httpx.Response) -> str:

    try:
        data = answer.json()
    except ValueError:
        return f"Maileva a refusé l'envoi ({answer.status_code})."
    errors = data.get("errors") if isinstance(data, dict) else None
    items = errors if isinstance(errors, list) else [data]
    return (
        " ".join(
            f"{e.get('code', '')} : {e.get('message', '')}".strip(" :")
            for e in items
            if isinstance(e, dict)
        )
        or f"Maileva a refusé l'envoi ({answer.status_code})."
    )


def _sending_body(handover: Handover, mode: str) -> dict:
    options = handover.options
    body: dict[str, Any] = {
        "name": handover.delivery_id,
        "custom_id": handover.delivery_id,
        "color_printing": bool(options.get("colour", False)),
        "duplex_printing": bool(options.get("duplex", True)),
        "optional_address_sheet": False,
        "archiving_duration": 0,
    }
    if mode in REGISTERED_MODES:
        body["acknowledgement_of_receipt"] = mode == "recommande_ar"
        body["acknowledgement_of_receipt_scanning"] = mode == "recommande_ar"
    else:
        body["postage_type"] = "ECONOMIC" if mode == "ecopli" else "FAST"
    return body


def _recipient_body(handover: Handover, mode: str) -> dict:
    """Maileva's 6 address lines (38 characters each): 1 company or name, 2 name (attention
    of), 3–5 street, 6 postal code and city."""
    party = handover.recipient
    lines = [""] * 6
    if party.company:
        lines[0], lines[1] = party.company, party.name
    else:
        lines[0] = party.name
    street = [line for line in party.address_lines if line.strip()][:3]
    for index, line in enumerate(street):
        lines[2 + index] = line
    lines[5] = f"{party.postal_code} {party.city}".strip()
    body: dict[str, Any] = {
        f"address_line_{n + 1}": value for n, value in enumerate(lines) if value
    }
    body["country_code"] = party.country or "FR"
    body["custom_id"] = handover.delivery_id
    if mode in POSTAGE_CLASSES:
        body["postage_class"] = POSTAGE_CLASSES[mode]
    return body


register(Channel.PAPER, "maileva", MailevaOperator)
