"""The AR24 adapter against recorded AR24 answers served by a local HTTP server: what it sends
(paths, fields, the portal's delivery id as ``ref_dossier``, authentication) and how it reads the
answers (a reference, events with their proofs, errors that retry or fail)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from webkit import PDF_BYTES

from portal.core.sendings.operators.ar24 import Ar24Operator
from portal.core.sendings.operators.base import (
    CallbackRejected,
    Channel,
    Handover,
    HandoverRejected,
    OperatorUnavailable,
    OutgoingDocument,
    Party,
    ProofKind,
    SendingState,
)

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str, base: str = "") -> tuple[int, bytes]:
    text = (FIXTURES / f"ar24_{name}.json").read_text().replace("{base}", base)
    status = 200 if json.loads(text).get("status") == "SUCCESS" else 400
    return status, text.encode()


class Ar24Stub:
    """A local server answering each ``(method, path)`` with a recorded answer, keeping every
    request it got (path, query, form fields, uploaded files)."""

    def __init__(self):
        self.routes: dict[tuple[str, str], tuple[int, bytes]] = {}
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append(
                    {
                        "method": method,
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        **_form(self.headers.get("Content-Type", ""), body),
                    }
                )
                status, payload = stub.routes.get((method, parts.path), (404, b"{}"))
                self.send_response(status)
                kind = "application/pdf" if parts.path.endswith(".pdf") else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _form(content_type: str, body: bytes) -> dict:
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = (part.get_filename(), part.get_payload(decode=True))
            else:
                fields.setdefault(name, []).append(part.get_content().strip())
        return {"form": fields, "files": files}
    return {"form": parse_qs(body.decode()), "files": {}}


@pytest.fixture
def ar24():
    stub = Ar24Stub()
    yield stub
    stub.close()


def operator_for_stub(stub: Ar24Stub) -> Ar24Operator:
    return Ar24Operator(
        {
            "PORTAL_AR24_URL": stub.base,
            "PORTAL_AR24_TOKEN": "tok-123",
            "PORTAL_AR24_USER_ID": "77",
            "PORTAL_AR24_WEBHOOK_SECRET": "ar24-webhook-test-secret",
        }
    )


def letter(identified=False, **options) -> Handover:
    return Handover(
        delivery_id="ENV-AR24-0001",
        channel=Channel.LRE,
        sender=Party("Jean Fournier", "jean@agence.fr", identified=identified),
        recipient=Party(
            "Élodie Martin",
            "elodie.martin@assureur.example",
            company="Assureur Exemple",
            identified=identified,
        ),
        documents=(OutgoingDocument("resiliation.pdf", PDF_BYTES),),
        options=options,
    )


def test_hand_over_uploads_then_sends_under_the_portals_delivery_id(ar24):
    ar24.routes = {
        ("GET", "/api/user/mail/"): recorded("user_mails_empty"),
        ("POST", "/api/attachment/"): recorded("attachment_upload"),
        ("POST", "/api/mail/"): recorded("mail_send"),
    }
    accepted = operator_for_stub(ar24).hand_over(letter(identified=True, otp="123456"))
    assert accepted.operator_ref == "4512378"

    lookup, upload, send = ar24.requests
    assert lookup["query"]["ref_dossier"] == ["ENV-AR24-0001"]
    assert lookup["query"]["token"] == ["tok-123"] and lookup["query"]["date"]
    assert upload["files"]["file"] == ("resiliation.pdf", PDF_BYTES)
    assert upload["form"]["id_user"] == ["77"]
    form = send["form"]
    assert form["to_email"] == ["elodie.martin@assureur.example"]
    assert (form["to_firstname"], form["to_lastname"]) == (["Élodie"], ["Martin"])
    assert form["to_company"] == ["Assureur Exemple"]
    assert form["dest_statut"] == ["professionnel"]
    assert form["ref_dossier"] == ["ENV-AR24-0001"]
    assert form["attachment[]"] == ["9087412"]
    assert form["eidas"] == ["1"] and form["otp"] == ["123456"]


def test_a_simple_lre_when_either_end_is_not_identified(ar24):
    ar24.routes = {
        ("GET", "/api/user/mail/"): recorded("user_mails_empty"),
        ("POST", "/api/attachment/"): recorded("attachment_upload"),
        ("POST", "/api/mail/"): recorded("mail_send"),
    }
    operator_for_stub(ar24).hand_over(letter(identified=False))
    assert ar24.requests[-1]["form"]["eidas"] == ["0"]
    assert "otp" not in ar24.requests[-1]["form"]


def test_a_hand_over_already_at_ar24_is_found_not_sent_again(ar24):
    ar24.routes = {("GET", "/api/user/mail/"): recorded("user_mails_found")}
    operator = operator_for_stub(ar24)
    assert operator.hand_over(letter()).operator_ref == "4512378"
    assert operator.find("ENV-AR24-0001").operator_ref == "4512378"
    assert operator.find("ENV-UNKNOWN") is None
    assert [request["path"] for request in ar24.requests] == ["/api/user/mail/"] * 3


def test_errors_fail_the_letter_or_retry_later(ar24):
    operator = operator_for_stub(ar24)
    ar24.routes = {
        ("GET", "/api/user/mail/"): recorded("user_mails_empty"),
        ("POST", "/api/attachment/"): recorded("attachment_upload"),
        ("POST", "/api/mail/"): recorded("error_invalid_email"),
    }
    with pytest.raises(HandoverRejected, match="invalid"):
        operator.hand_over(letter())
    ar24.routes[("POST", "/api/mail/")] = (
        503,
        (FIXTURES / "ar24_error_maintenance.json").read_bytes(),
    )
    with pytest.raises(OperatorUnavailable):
        operator.hand_over(letter())
    ar24.routes[("POST", "/api/mail/")] = (
        200,
        (FIXTURES / "ar24_error_maintenance.json").read_bytes(),
    )
    with pytest.raises(OperatorUnavailable):
        operator.hand_over(letter())
    ar24.close()
    with pytest.raises(OperatorUnavailable):
        operator.find("ENV-AR24-0001")


def test_polling_reads_each_step_with_its_proof(ar24):
    ar24.routes = {
        ("GET", "/api/mail/"): recorded("mail_info_accepted", ar24.base),
        ("GET", "/api/proofs/4512378/dp.pdf"): (200, b"%PDF-dp"),
        ("GET", "/api/proofs/4512378/ev.pdf"): (200, b"%PDF-ev"),
        ("GET", "/api/proofs/4512378/ar.pdf"): (200, b"%PDF-ar"),
    }
    events = operator_for_stub(ar24).events("4512378")
    assert ar24.requests[0]["query"]["id"] == ["4512378"]
    assert [(e.code, e.state) for e in events] == [
        ("waiting", SendingState.HANDED_OVER),
        ("sent", SendingState.IN_PROGRESS),
        ("AR", SendingState.DELIVERED),
    ]
    assert [e.event_id for e in events] == [
        "ar24-4512378-waiting",
        "ar24-4512378-sent",
        "ar24-4512378-AR",
    ]
    assert {e.delivery_id for e in events} == {"ENV-AR24-0001"}
    # AR24's dates are Paris time: 18:40 in December is 17:40 UTC.
    assert events[2].occurred_at == datetime(2026, 12, 3, 17, 40, 2, tzinfo=UTC)
    assert [(p.kind, p.content) for e in events for p in e.proofs] == [
        (ProofKind.DEPOSIT, b"%PDF-dp"),
        (ProofKind.NOTIFICATION, b"%PDF-ev"),
        (ProofKind.ACCEPTANCE, b"%PDF-ar"),
    ]


def test_negligence_is_read_with_its_proof(ar24):
    ar24.routes = {
        ("GET", "/api/mail/"): recorded("mail_info_negligence", ar24.base),
        **{
            ("GET", f"/api/proofs/4512999/{step}.pdf"): (200, b"%PDF-" + step.encode())
            for step in ("dp", "ev", "ng")
        },
    }
    last = operator_for_stub(ar24).events("4512999")[-1]
    assert (last.code, last.state) == ("negligence", SendingState.NOT_CLAIMED)
    assert last.proofs[0].kind == ProofKind.NEGLIGENCE


def test_a_webhook_is_checked_then_the_mail_read_back(ar24):
    hook = json.loads((FIXTURES / "ar24_webhook.json").read_text())
    ar24.routes = {
        ("GET", "/api/mail/"): recorded("mail_info_accepted", ar24.base),
        **{
            ("GET", f"/api/proofs/4512378/{step}.pdf"): (200, b"%PDF-" + step.encode())
            for step in ("dp", "ev", "ar")
        },
    }
    operator = operator_for_stub(ar24)
    body = hook["body"].encode()
    events = operator.parse_callback({"x-ar24-signature": hook["signature"]}, body)
    assert [e.code for e in events] == ["waiting", "sent", "AR"]
    with pytest.raises(CallbackRejected):
        operator.parse_callback({"X-AR24-Signature": hook["signature"]}, body + b"&x=1")
    with pytest.raises(CallbackRejected):
        operator.parse_callback({}, body)
