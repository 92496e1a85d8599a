"""``POST /signature/webhooks/yousign`` on a tenant whose ``[signatures]`` names Yousign: the
recorded payloads, signed with the test secret, move the procedure Yousign holds and record its
outcome once; a replay changes nothing; a bad signature is refused and stores nothing; another
tenant's host cannot reach this tenant's procedure. The signed documents and audit trail of a
finished request are fetched from a local server standing in for Yousign's API."""

from __future__ import annotations

import io
import json
import threading
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from signkit import RECORDED_AT, fixture_bytes
from sqlalchemy import func, select

from portal.core import clock
from portal.core.jobs import drain
from portal.core.plugins import hookimpl
from portal.core.signatures.providers.base import CreatedRequest
from portal.extensions import db

URL = "/signature/webhooks/yousign"
REQUEST_ID = "4a0e1f7c-9d2b-4c55-8e3a-2f6b7d1c0a91"
SIGNER_ID = "b7d5e6a2-1c3f-4e8b-9a0d-6f2e3c4b5a17"
OWNER = "webhook_test"
AGENT_EMAIL = "agence.webhook@example.fr"
SIGNED_PDF = b"%PDF-1.7 signed by Yousign"
TRAIL_PDF = b"%PDF-1.7 Yousign audit trail"


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- a local stand-in for Yousign's API (downloads after signature_request.done) ---------------


class FakeYousign(BaseHTTPRequestHandler):
    calls: list[tuple[str, str]] = []
    posted: list[tuple[str, bytes]] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        FakeYousign.posted.append((self.path.removeprefix("/v3"), body))
        base = f"/v3/signature_requests/{REQUEST_ID}"
        if self.path == "/v3/signature_requests":
            answer = {"id": REQUEST_ID, "status": "draft"}
        elif self.path == f"{base}/documents":
            answer = {"id": f"doc-{len(FakeYousign.posted)}"}
        elif self.path == f"{base}/signers":
            answer = {"id": SIGNER_ID}
        elif self.path == f"{base}/activate":
            link = {"id": SIGNER_ID, "signature_link": "https://yousign.app/s/camille"}
            answer = {"id": REQUEST_ID, "status": "ongoing", "signers": [link]}
        else:
            answer = {"id": "consent"}
        payload = json.dumps(answer).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        FakeYousign.calls.append((self.path, self.headers.get("Authorization", "")))
        base = f"/v3/signature_requests/{REQUEST_ID}"
        answers = {
            f"{base}/documents": json.dumps(
                [
                    {"id": "doc-1", "nature": "signable_document", "filename": "mandat.pdf"},
                    {"id": "doc-2", "nature": "attachment", "filename": "conditions.pdf"},
                ]
            ).encode(),
            f"{base}/documents/doc-1/download": SIGNED_PDF,
            f"{base}/signers/{SIGNER_ID}/audit_trails/download": TRAIL_PDF,
        }
        body = answers.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def yousign_api():
    FakeYousign.calls = []
    FakeYousign.posted = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeYousign)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v3"
    httpd.shutdown()
    httpd.server_close()


# -- tenants using Yousign ---------------------------------------------------------------------


@pytest.fixture
def use_yousign(app, tenant_ids, monkeypatch, recorded_signatures, yousign_api):
    """``use_yousign(slug, **settings)``: the tenant's ``[signatures]`` names Yousign (sandbox,
    the recorded payloads' secret, the local API) for this test."""
    from portal.core.tenants import tenant_directory

    def configure(slug: str, **settings):
        values = {
            "provider": "yousign",
            "api_key": "test-api-key",
            "webhook_secret": recorded_signatures["secret"],
            "sandbox": True,
            "base_url": yousign_api,
            **settings,
        }
        with app.app_context():
            directory = tenant_directory()
            tenant = directory.by_id(tenant_ids[slug])
            config = tenant.config.model_copy(update={"signatures": _settings(values)})
            monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))

    return configure


def _settings(values: dict):
    """The tenant schema's section when it has one, else the plain mapping (read alike)."""
    from portal.core.tenants import schema

    field = schema.TenantConfig.model_fields.get("signatures")
    model = getattr(field, "annotation", None)
    if model is not None and hasattr(model, "model_validate"):
        return model.model_validate(values)
    return values


@pytest.fixture
def at_yousign(app, in_tenant, make_account, use_yousign, frozen):
    """An ongoing procedure of resilimo held by Yousign as the recorded request (one signer,
    a mandate to sign and conditions to read); the clock at the recorded events' time."""
    from portal.core import signatures
    from portal.core.signatures.outside import link_provider_request

    use_yousign("resilimo")
    account = make_account("resilimo", AGENT_EMAIL)
    frozen.at = RECORDED_AT - timedelta(days=2)  # created before the events
    with in_tenant("resilimo"):
        procedure = signatures.create_procedure(
            account=account,
            profile=None,
            owner=OWNER,
            title="Mandat de résiliation — contrat AUTO-123",
            documents=[
                signatures.NewDocument("Mandat", "mandat.pdf", blank_pdf()),
                signatures.NewDocument(
                    "Conditions", "conditions.pdf", blank_pdf(), role=signatures.DocumentRole.READ
                ),
            ],
            signers=[
                signatures.NewSigner("Camille", "Durand", "camille@example.org", "+33612345678")
            ],
            deadline=clock.now() + timedelta(days=7),
        )
        link_provider_request(
            procedure, CreatedRequest(REQUEST_ID, {"1": SIGNER_ID}, {}), "yousign"
        )
        # Yousign invites and holds the signer: the portal only follows.
        procedure.state = signatures.ProcedureState.ONGOING
        procedure.started_at = clock.now()
        db.session.commit()
        reference = procedure.reference
    frozen.at = Clock.at
    return reference


class Clock:
    at = RECORDED_AT + timedelta(minutes=1)  # deliveries come a minute after the events

    def __call__(self):
        return self.at


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """The portal's clock (the engine's too), moved by the tests."""
    moment = Clock()
    monkeypatch.setattr(clock, "now", moment)
    return moment


class Recorder:
    """Stands for the plugin that asked: the outcomes its hook is told about."""

    def __init__(self):
        self.calls: list[str] = []

    @hookimpl
    def on_signature_outcome(self, tenant, procedure, outcome):
        if procedure.owner == OWNER:
            self.calls.append(str(outcome))


@pytest.fixture
def hook(app):
    recorder = Recorder()
    plugins = app.extensions["portal.plugins"]
    plugins.register_core("test_webhook_outcomes", recorder)
    yield recorder
    drain(app)
    plugins.pm.unregister(name="core.test_webhook_outcomes")


def deliver(client, name: str, recorded_signatures, *, signature: str | None = None, body=None):
    headers = {
        "Content-Type": "application/json",
        "X-Yousign-Signature-256": signature or recorded_signatures["signatures"][name],
        "X-Yousign-Retry": "0",
    }
    return client.post(URL, data=fixture_bytes(name) if body is None else body, headers=headers)


def state_of(in_tenant, reference: str, slug: str = "resilimo") -> dict:
    from portal.core.signatures.models import (
        ProcedureOutcome,
        SignatureProcedure,
        SignatureWebhookEvent,
    )

    with in_tenant(slug):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        [signer] = procedure.signers
        return {
            "state": str(procedure.state),
            "signer": str(signer.state),
            "bounced": signer.invitation_bounced_at is not None,
            "decline_reason": signer.decline_reason,
            "cancel_reason": procedure.cancel_reason,
            "outcomes": sorted(
                db.session.scalars(
                    select(ProcedureOutcome.outcome).where(
                        ProcedureOutcome.procedure_id == procedure.id
                    )
                )
            ),
            "events": [e.kind for e in procedure.events if e.kind != "provider_linked"],
            "webhook_events": db.session.scalar(select(func.count(SignatureWebhookEvent.id))),
            "documents": [
                (d.filename, d.signed_sha256 is not None, d.evidence_record_id is not None)
                for d in procedure.documents
            ],
            "audit_trail": procedure.audit_trail_record_id,
        }


def evidence_kinds(in_tenant, slug: str = "resilimo") -> list[str]:
    from portal.core.evidence import EvidenceRecord

    with in_tenant(slug):
        return sorted(db.session.scalars(select(EvidenceRecord.kind)))


# -- outcomes ----------------------------------------------------------------------------------


def test_signer_done_marks_the_signer_signed(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    answer = deliver(client_for("resilimo"), "webhook_signer_done.json", recorded_signatures)
    assert answer.status_code == 200
    after = state_of(in_tenant, at_yousign)
    assert (after["state"], after["signer"]) == ("ongoing", "signed")
    assert after["events"] == ["created", "signed"]
    assert after["outcomes"] == [] and after["webhook_events"] == 1


def test_request_done_stores_the_proofs_and_records_signed_once(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    client = client_for("resilimo")
    for _ in range(2):  # Yousign retries: the second delivery is recognised
        assert (
            deliver(client, "webhook_signature_request_done.json", recorded_signatures).status_code
            == 200
        )
    after = state_of(in_tenant, at_yousign)
    assert (after["state"], after["signer"]) == ("signed", "signed")
    assert after["outcomes"] == ["signed"]
    assert after["events"] == ["created", "signed", "completed"]
    assert after["webhook_events"] == 1
    assert after["documents"] == [("mandat.pdf", True, True), ("conditions.pdf", False, False)]
    assert after["audit_trail"] is not None
    assert evidence_kinds(in_tenant) == ["signature_audit_trail", "signed_document"]
    # Fetched once, with the tenant's key.
    assert [path.rsplit("/", 2)[-2:] for path, _key in FakeYousign.calls] == [
        [REQUEST_ID, "documents"],
        ["doc-1", "download"],
        ["audit_trails", "download"],
    ]
    assert {key for _path, key in FakeYousign.calls} == {"Bearer test-api-key"}


def test_the_stored_signed_document_is_the_providers(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    from portal.core.signatures.models import SignatureProcedure
    from portal.core.storage import storage

    deliver(client_for("resilimo"), "webhook_signature_request_done.json", recorded_signatures)
    with in_tenant("resilimo"):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == at_yousign)
        )
        assert storage().read(procedure.documents[0].current_storage_key) == SIGNED_PDF


def test_signer_declined_declines_once(client_for, in_tenant, at_yousign, recorded_signatures):
    client = client_for("resilimo")
    for _ in range(2):
        assert (
            deliver(client, "webhook_signer_declined.json", recorded_signatures).status_code == 200
        )
    after = state_of(in_tenant, at_yousign)
    assert (after["state"], after["signer"]) == ("declined", "declined")
    assert after["decline_reason"] == "Le montant ne correspond pas à notre accord."
    assert after["outcomes"] == ["declined"] and after["events"] == ["created", "declined"]
    assert after["webhook_events"] == 1


def test_expired_and_then_cancelled_keeps_the_first_outcome(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    client = client_for("resilimo")
    assert (
        deliver(client, "webhook_signature_request_expired.json", recorded_signatures).status_code
        == 200
    )
    assert state_of(in_tenant, at_yousign)["outcomes"] == ["expired"]
    # A later, different event about a closed procedure is acknowledged and ignored.
    assert (
        deliver(client, "webhook_signature_request_canceled.json", recorded_signatures).status_code
        == 200
    )
    after = state_of(in_tenant, at_yousign)
    assert after["state"] == "expired" and after["outcomes"] == ["expired"]
    assert after["webhook_events"] == 2


def test_cancelled_by_yousign(client_for, in_tenant, at_yousign, recorded_signatures):
    answer = deliver(
        client_for("resilimo"), "webhook_signature_request_canceled.json", recorded_signatures
    )
    assert answer.status_code == 200
    after = state_of(in_tenant, at_yousign)
    assert after["state"] == "cancelled" and after["outcomes"] == ["cancelled"]
    assert after["cancel_reason"] == "contractualization_aborted"


def test_bounced_invitation_is_recorded_once(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    client = client_for("resilimo")
    for _ in range(2):
        name = "webhook_signer_notification_delivery_failed.json"
        assert deliver(client, name, recorded_signatures).status_code == 200
    after = state_of(in_tenant, at_yousign)
    assert after["bounced"] and after["state"] == "ongoing" and after["outcomes"] == []
    assert after["events"] == ["created", "invitation_bounced"]


def test_an_event_the_portal_does_not_act_on_is_acknowledged(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    name = "webhook_signature_request_activated.json"
    assert deliver(client_for("resilimo"), name, recorded_signatures).status_code == 200
    after = state_of(in_tenant, at_yousign)
    assert after["events"] == ["created"] and after["webhook_events"] == 0


def test_an_unknown_request_is_acknowledged_and_ignored(
    client_for, in_tenant, use_yousign, recorded_signatures
):
    from portal.core.signatures.models import SignatureWebhookEvent

    use_yousign("resilimo")
    answer = deliver(
        client_for("resilimo"), "webhook_signature_request_done.json", recorded_signatures
    )
    assert answer.status_code == 200
    with in_tenant("resilimo"):
        assert db.session.scalar(select(func.count(SignatureWebhookEvent.id))) == 1
    assert FakeYousign.calls == []


# -- refusals ----------------------------------------------------------------------------------


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    client = client_for("resilimo")
    name = "webhook_signature_request_done.json"
    other = recorded_signatures["signatures"]["webhook_signer_done.json"]
    answer = deliver(client, name, recorded_signatures, signature=other)
    assert (answer.status_code, answer.get_data(as_text=True)) == (401, "bad_signature")
    tampered = fixture_bytes(name).replace(b'"sandbox": true', b'"sandbox": false')
    assert deliver(client, name, recorded_signatures, body=tampered).status_code == 401
    missing = client.post(
        URL, data=fixture_bytes(name), headers={"Content-Type": "application/json"}
    )
    assert (missing.status_code, missing.get_data(as_text=True)) == (401, "missing_signature")
    after = state_of(in_tenant, at_yousign)
    assert after["state"] == "ongoing" and after["outcomes"] == [] and after["webhook_events"] == 0
    assert FakeYousign.calls == []


def test_a_signed_body_that_is_no_event_is_a_bad_request(
    client_for, use_yousign, recorded_signatures
):
    from portal.core.signatures.providers.yousign import webhook_signature

    use_yousign("resilimo")
    body = b"not json"
    signature = webhook_signature(recorded_signatures["secret"], body)
    answer = deliver(
        client_for("resilimo"),
        "webhook_signer_done.json",
        recorded_signatures,
        signature=signature,
        body=body,
    )
    assert (answer.status_code, answer.get_data(as_text=True)) == (400, "malformed")


def test_an_old_capture_is_refused(client_for, in_tenant, at_yousign, recorded_signatures, frozen):
    frozen.at = RECORDED_AT + timedelta(days=6)
    answer = deliver(
        client_for("resilimo"), "webhook_signature_request_done.json", recorded_signatures
    )
    assert (answer.status_code, answer.get_data(as_text=True)) == (400, "stale_event")
    assert state_of(in_tenant, at_yousign)["state"] == "ongoing"


def test_a_tenant_without_yousign_has_no_such_webhook(client_for, recorded_signatures):
    answer = deliver(client_for("horizon"), "webhook_signer_done.json", recorded_signatures)
    assert answer.status_code == 404
    builtin = client_for("horizon").post("/signature/webhooks/builtin", data=b"{}")
    assert builtin.status_code == 404


def test_another_tenants_host_cannot_touch_this_tenants_procedure(
    client_for, in_tenant, at_yousign, use_yousign, recorded_signatures
):
    use_yousign("msr")  # msr uses Yousign too, even with the same secret
    name = "webhook_signature_request_done.json"
    assert deliver(client_for("msr"), name, recorded_signatures).status_code == 200
    assert state_of(in_tenant, at_yousign)["state"] == "ongoing"
    assert evidence_kinds(in_tenant) == [] and FakeYousign.calls == []
    # The event is this tenant's to act on still (event ids are unique per tenant).
    assert deliver(client_for("resilimo"), name, recorded_signatures).status_code == 200
    assert state_of(in_tenant, at_yousign)["outcomes"] == ["signed"]


def test_the_webhook_takes_no_csrf_token_and_no_login(
    client_for, in_tenant, at_yousign, recorded_signatures
):
    client = client_for("resilimo")  # anonymous, no page visited: no session, no token
    answer = deliver(client, "webhook_signer_done.json", recorded_signatures)
    assert answer.status_code == 200
    assert state_of(in_tenant, at_yousign)["signer"] == "signed"


def test_yousign_unreachable_keeps_nothing_so_that_it_retries(
    client_for, in_tenant, at_yousign, use_yousign, recorded_signatures
):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/v3"
    use_yousign("resilimo", base_url=closed)
    client = client_for("resilimo")
    name = "webhook_signature_request_done.json"
    answer = deliver(client, name, recorded_signatures)
    assert (answer.status_code, answer.get_data(as_text=True)) == (502, "provider unreachable")
    after = state_of(in_tenant, at_yousign)
    assert after["state"] == "ongoing" and after["webhook_events"] == 0
    assert evidence_kinds(in_tenant) == []
    use_yousign("resilimo")  # Yousign's retry, once its API answers again
    assert deliver(client, name, recorded_signatures).status_code == 200
    assert state_of(in_tenant, at_yousign)["outcomes"] == ["signed"]


def test_a_missing_secret_is_a_503_and_the_secret_may_come_from_the_environment(
    client_for, in_tenant, at_yousign, use_yousign, recorded_signatures, monkeypatch
):
    client = client_for("resilimo")
    name = "webhook_signer_done.json"
    use_yousign("resilimo", webhook_secret="", webhook_secret_env="RESILIMO_YOUSIGN_SECRET")
    assert deliver(client, name, recorded_signatures).status_code == 503
    monkeypatch.setenv("RESILIMO_YOUSIGN_SECRET", recorded_signatures["secret"])
    assert deliver(client, name, recorded_signatures).status_code == 200
    assert state_of(in_tenant, at_yousign)["signer"] == "signed"


# -- what the asking plugin and the agent are told --------------------------------------------


def test_the_plugin_hears_the_outcome_once(
    app, client_for, in_tenant, at_yousign, recorded_signatures, hook
):
    client = client_for("resilimo")
    for name in (
        "webhook_signer_done.json",
        "webhook_signature_request_done.json",
        "webhook_signature_request_done.json",  # a retry
    ):
        assert deliver(client, name, recorded_signatures).status_code == 200
    drain(app)
    assert hook.calls == ["signed"]


def test_the_agent_is_told_of_a_bounced_invitation(
    app, client_for, in_tenant, at_yousign, recorded_signatures
):
    from portal.core.devbox.models import DevboxMessage

    name = "webhook_signer_notification_delivery_failed.json"
    for _ in range(2):
        assert deliver(client_for("resilimo"), name, recorded_signatures).status_code == 200
    drain(app)
    with in_tenant("resilimo"):
        subjects = db.session.scalars(
            select(DevboxMessage.subject).where(
                DevboxMessage.kind == "email", DevboxMessage.recipients.contains(AGENT_EMAIL)
            )
        ).all()
    assert subjects == ["L'invitation à signer n'a pas pu être remise à camille@example.org"]


# -- a procedure handed to Yousign, followed to its end ---------------------------------------


def test_a_procedure_handed_to_yousign_is_followed_to_its_end(
    app, client_for, in_tenant, make_account, use_yousign, frozen, recorded_signatures, hook
):
    from portal.core import signatures

    use_yousign("resilimo")
    account = make_account("resilimo", AGENT_EMAIL)
    frozen.at = RECORDED_AT - timedelta(days=2)
    with in_tenant("resilimo"):
        procedure = signatures.create_procedure(
            account=account,
            profile=None,
            owner=OWNER,
            title="Mandat de résiliation — contrat AUTO-123",
            documents=[
                signatures.NewDocument(
                    "Mandat", "mandat.pdf", blank_pdf(), acceptance_boxes=("J'ai lu le mandat.",)
                )
            ],
            signers=[
                signatures.NewSigner("Camille", "Durand", "camille@example.org", "+33612345678")
            ],
            deadline=clock.now() + timedelta(days=7),
        )
        # The tenant's provider is Yousign: starting the procedure hands it over.
        signatures.start_procedure(procedure)
        db.session.commit()
        reference = procedure.reference
        assert procedure.state == signatures.ProcedureState.ONGOING
        assert procedure.provider_request_id == REQUEST_ID

    drain(app)
    with in_tenant("resilimo"):
        from portal.core.devbox.models import DevboxMessage

        # Yousign invites the signer: the portal sends no invitation of its own.
        assert db.session.scalars(select(DevboxMessage)).all() == []
    base = f"/signature_requests/{REQUEST_ID}"
    assert [path for path, _body in FakeYousign.posted] == [
        "/signature_requests",
        f"{base}/documents",
        f"{base}/signers",
        f"{base}/consent_requests",
        f"{base}/activate",
    ]
    sent = {path: body for path, body in FakeYousign.posted}
    request_body = json.loads(sent["/signature_requests"])
    assert request_body["external_id"] == reference
    assert request_body["delivery_mode"] == "email"
    signer_body = json.loads(sent[f"{base}/signers"])
    assert signer_body["info"]["phone_number"] == "+33612345678"
    assert [(f["page"], f["x"], f["y"]) for f in signer_body["fields"]] == [(1, 60, 700)]
    assert json.loads(sent[f"{base}/consent_requests"])["settings"]["text"] == "J'ai lu le mandat."
    assert b"%PDF-" in sent[f"{base}/documents"]

    frozen.at = Clock.at
    client = client_for("resilimo")
    for name in ("webhook_signer_done.json", "webhook_signature_request_done.json"):
        assert deliver(client, name, recorded_signatures).status_code == 200
    after = state_of(in_tenant, reference)
    assert (after["state"], after["signer"], after["outcomes"]) == ("signed", "signed", ["signed"])
    drain(app)
    assert hook.calls == ["signed"]
