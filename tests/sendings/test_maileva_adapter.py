"""The Maileva adapter against a local HTTP server answering Maileva's recorded payloads
(``fixtures/maileva_*.json``): the draft → documents → recipients → submit flow, a crashed
hand-over reconciled without a second sending, delivery codes mapped and kept verbatim, the AR
scan and deposit proof downloaded, errors, and the notification center's callback."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from paperkit import letter, recipient

from portal.core.sendings.operators.base import (
    CallbackRejected,
    HandoverRejected,
    OperatorUnavailable,
    ProofKind,
    SendingState,
)
from portal.core.sendings.operators.maileva import MailevaOperator

FIXTURES = Path(__file__).parent / "fixtures"
SENDING_ID = "9ec4a1d3-6f0e-4a51-8b0c-5b1f2d9a7c41"
RECIPIENT_ID = "4f6ac0e2-1d7b-4b55-9a8e-0d33c2c1f1aa"
AR_PDF = b"%PDF-1.7 scanned AR card"
DEPOSIT_ZIP = b"PK\x03\x04 deposit proof"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"maileva_{name}.json").read_text())


@dataclass
class FakeMaileva:
    """Maileva's API as recorded: one sending at a time, every request logged."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    bodies: dict[str, list] = field(default_factory=dict)
    sendings: dict[str, dict] = field(default_factory=dict)
    delivery: str = "delivery_statuses"
    fail_with: dict[str, int] = field(default_factory=dict)  # "METHOD suffix" → status
    ar_scanned: bool = True
    created: int = 0

    def answer(self, method: str, url: str, headers, body: bytes) -> tuple[int, bytes, str]:
        parts = urlsplit(url)
        path = parts.path
        self.requests.append((method, path))
        self.bodies.setdefault(f"{method} {path}", []).append(body)
        for key, status in self.fail_with.items():
            wanted_method, _, suffix = key.partition(" ")
            if method == wanted_method and path.endswith(suffix):
                error = recorded("error_address") if status == 400 else {"code": "ERROR"}
                return status, json.dumps(error).encode(), "application/json"
        if path == "/auth/token":
            return 200, json.dumps(recorded("token")).encode(), "application/json"
        if headers.get("Authorization") != "Bearer " + recorded("token")["access_token"]:
            return 401, b"{}", "application/json"
        segments = path.strip("/").split("/")  # api, v2, sendings, …
        rest = segments[3:]
        if method == "GET" and not rest:
            custom_id = parse_qs(parts.query).get("custom_id", [""])[0]
            found = [
                s
                for s in self.sendings.values()
                if s["custom_id"] == custom_id and s["api"] == segments[0]
            ]
            return 200, json.dumps({"sendings": found}).encode(), "application/json"
        if method == "POST" and not rest:
            sending = {**recorded("sending_draft"), **json.loads(body)}
            sending["id"] = (
                SENDING_ID if not self.created else f"{SENDING_ID[:-2]}{self.created:02d}"
            )
            self.created += 1
            sending["status"] = "DRAFT"
            sending["api"] = segments[0]
            self.sendings[sending["id"]] = sending
            return 201, json.dumps(sending).encode(), "application/json"
        sending = self.sendings.get(rest[0])
        if sending is None or sending["api"] != segments[0]:
            return 404, b'{"code": "SENDING_NOT_FOUND"}', "application/json"
        tail = rest[1:]
        if method == "DELETE" and not tail:
            del self.sendings[rest[0]]
            return 204, b"", "application/json"
        if method == "GET" and not tail:
            shown = {
                **recorded("sending_processed"),
                **{k: sending[k] for k in ("id", "custom_id")},
            }
            shown["status"] = sending["status"] if sending["status"] == "DRAFT" else "PROCESSED"
            shown["acknowledgement_of_receipt"] = sending.get("acknowledgement_of_receipt", False)
            return 200, json.dumps(shown).encode(), "application/json"
        if tail == ["documents"]:
            return 201, json.dumps(recorded("document")).encode(), "application/json"
        if tail == ["recipients"] and method == "POST":
            sending["recipient"] = json.loads(body)
            return 201, json.dumps(recorded("recipient")).encode(), "application/json"
        if tail == ["recipients"]:
            return 200, json.dumps(recorded("recipients")).encode(), "application/json"
        if tail == ["submit"]:
            sending["status"] = "PENDING"
            return 202, b"", "application/json"
        if tail == ["download_deposit_proof"]:
            return 200, DEPOSIT_ZIP, "application/zip"
        if tail[-1:] == ["delivery_statuses"]:
            return 200, json.dumps(recorded(self.delivery)).encode(), "application/json"
        if tail[-1:] == ["download_acknowledgement_of_receipt"]:
            if not self.ar_scanned:
                return 404, b"{}", "application/json"
            return 200, AR_PDF, "application/pdf"
        return 404, b"{}", "application/json"


@pytest.fixture
def maileva():
    fake = FakeMaileva()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, content, media = fake.answer(self.command, self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    fake.operator = MailevaOperator(
        {
            "PORTAL_MAILEVA_API_URL": base,
            "PORTAL_MAILEVA_AUTH_URL": base + "/auth/token",
            "PORTAL_MAILEVA_CLIENT_ID": "portail",
            "PORTAL_MAILEVA_CLIENT_SECRET": "client-secret",
            "PORTAL_MAILEVA_USERNAME": "agence@example.fr",
            "PORTAL_MAILEVA_PASSWORD": "mot-de-passe",
            "PORTAL_MAILEVA_WEBHOOK_USERNAME": "maileva",
            "PORTAL_MAILEVA_WEBHOOK_PASSWORD": "webhook-secret",
        }
    )
    yield fake
    server.shutdown()
    server.server_close()


def test_the_configured_maileva_operator_is_built_from_the_settings(app):
    from portal.core.sendings.operators import registered

    assert "maileva" in registered("paper") and "sandbox" in registered("paper")


def test_a_registered_letter_is_drafted_filled_and_submitted(maileva):
    handover = letter("recommande_ar", delivery_id="ENV-PAPER-0001")
    accepted = maileva.operator.hand_over(handover)
    assert accepted.operator_ref == f"lr:{SENDING_ID}"
    assert accepted.tracking_number == "1A17654321098"
    api = "/registered_mail/v2/sendings"
    posts = [path for method, path in maileva.requests if method == "POST"]
    assert posts == [
        "/auth/token",
        api,
        f"{api}/{SENDING_ID}/documents",
        f"{api}/{SENDING_ID}/recipients",
        f"{api}/{SENDING_ID}/submit",
    ]
    created = json.loads(maileva.bodies[f"POST {api}"][0])
    assert created["custom_id"] == "ENV-PAPER-0001"
    assert created["acknowledgement_of_receipt"] is True
    assert created["acknowledgement_of_receipt_scanning"] is True
    assert created["color_printing"] is False and created["duplex_printing"] is True
    document = maileva.bodies[f"POST {api}/{SENDING_ID}/documents"][0]
    assert b'"priority": 1' in document and b"courrier.pdf" in document and b"%PDF" in document
    address = maileva.sendings[SENDING_ID]["recipient"]
    assert address == {
        "address_line_1": "Élodie Martin",
        "address_line_3": "8 avenue Foch",
        "address_line_6": "75016 Paris",
        "country_code": "FR",
        "custom_id": "ENV-PAPER-0001",
    }


def test_a_letter_goes_to_the_mail_api_with_its_postage_class(maileva):
    accepted = maileva.operator.hand_over(letter("lettre_verte", delivery_id="ENV-PAPER-0002"))
    assert accepted.operator_ref.startswith("mail:") and accepted.tracking_number is None
    created = json.loads(maileva.bodies["POST /mail/v2/sendings"][0])
    assert created["postage_type"] == "FAST" and "acknowledgement_of_receipt" not in created
    assert maileva.sendings[SENDING_ID]["recipient"]["postage_class"] == "GREEN_LETTER"


def test_a_hand_over_again_or_after_a_crash_never_submits_twice(maileva):
    handover = letter("recommande", delivery_id="ENV-PAPER-0001")
    first = maileva.operator.hand_over(handover)
    assert maileva.operator.find("ENV-PAPER-0001") == first
    assert maileva.operator.hand_over(handover) == first
    submits = [p for m, p in maileva.requests if m == "POST" and p.endswith("/submit")]
    assert len(submits) == 1
    # A hand-over that crashed before submitting left a draft: found as nothing sent, the
    # draft is deleted and the sending built once more.
    maileva.fail_with = {"POST /submit": 503}
    with pytest.raises(OperatorUnavailable):
        maileva.operator.hand_over(letter("recommande", delivery_id="ENV-PAPER-0003"))
    assert maileva.operator.find("ENV-PAPER-0003") is None
    maileva.fail_with = {}
    again = maileva.operator.hand_over(letter("recommande", delivery_id="ENV-PAPER-0003"))
    assert (
        "DELETE",
        f"/registered_mail/v2/sendings/{again.operator_ref[3:]}",
    ) not in maileva.requests
    assert [s["custom_id"] for s in maileva.sendings.values()].count("ENV-PAPER-0003") == 1
    assert any(m == "DELETE" for m, _ in maileva.requests)


def test_an_address_maileva_refuses_is_rejected_with_its_message(maileva):
    maileva.fail_with = {"POST /recipients": 400}
    with pytest.raises(HandoverRejected, match="ADDRESS_LINE_6_WRONG_FORMAT"):
        maileva.operator.hand_over(letter("recommande", to=recipient(postal_code="7501")))


def test_maileva_down_is_unavailable(maileva):
    maileva.fail_with = {"POST /sendings": 502}
    with pytest.raises(OperatorUnavailable):
        maileva.operator.hand_over(letter("lettre_verte"))


def test_delivery_codes_are_kept_verbatim_with_the_ar_scan_and_deposit_proof(maileva):
    reference = maileva.operator.hand_over(
        letter("recommande_ar", delivery_id="ENV-PAPER-0001")
    ).operator_ref
    found = maileva.operator.events(reference)
    assert [e.code for e in found] == [
        "PROCESSED",
        "ON_DEPOSIT_PROOF_RECEIVED",
        "A01",
        "D01",
        "N01",
    ]
    assert {e.delivery_id for e in found} == {"ENV-PAPER-0001"}
    states = [e.state for e in found]
    # With an AR, distributed is not the end: the signed card (N01) is.
    assert states == [SendingState.IN_PROGRESS] * 4 + [SendingState.DELIVERED]
    assert (
        found[1].proofs[0].kind == ProofKind.DEPOSIT and found[1].proofs[0].content == DEPOSIT_ZIP
    )
    assert found[-1].proofs[0].kind == ProofKind.AR_SCAN and found[-1].proofs[0].content == AR_PDF
    assert found[-1].detail == "AR Signé : RAR distribué"
    # Polled again: the same event ids.
    assert [e.event_id for e in maileva.operator.events(reference)] == [e.event_id for e in found]


def test_an_ar_not_scanned_yet_waits_for_the_next_poll(maileva):
    reference = maileva.operator.hand_over(
        letter("recommande_ar", delivery_id="ENV-PAPER-0001")
    ).operator_ref
    maileva.ar_scanned = False
    assert "N01" not in [e.code for e in maileva.operator.events(reference)]


def test_npai_is_returned(maileva):
    reference = maileva.operator.hand_over(
        letter("recommande", delivery_id="ENV-PAPER-0001")
    ).operator_ref
    maileva.delivery = "delivery_statuses_npai"
    found = maileva.operator.events(reference)
    assert [e.code for e in found][-2:] == ["A23", "N02"]
    assert found[-1].state == SendingState.RETURNED


def test_a_notification_with_its_credentials_brings_the_sendings_events(maileva):
    maileva.operator.hand_over(letter("recommande_ar", delivery_id="ENV-PAPER-0001"))
    body = json.dumps(recorded("notification")).encode()
    good = {"Authorization": "Basic " + base64.b64encode(b"maileva:webhook-secret").decode()}
    found = maileva.operator.parse_callback(good, body)
    assert found[-1].code == "N01" and found[-1].operator_ref == f"lr:{SENDING_ID}"
    bad = {"Authorization": "Basic " + base64.b64encode(b"maileva:guess").decode()}
    for headers in ({}, bad):
        with pytest.raises(CallbackRejected):
            maileva.operator.parse_callback(headers, body)
    with pytest.raises(CallbackRejected):
        maileva.operator.parse_callback(good, b"not json")
