"""Timestamps (RFC 3161): the sandbox authority answers real DER requests with signed tokens at
the portal's clock, refuses what it cannot serve, and the HTTP client gets tokens from an
authority over the network (here the sandbox one, served on a local port)."""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, datetime
from io import BytesIO
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from asn1crypto import algos, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pypdf import PdfWriter

from portal.core import clock
from portal.core.signatures import sealing
from portal.core.signatures.sealing import keys
from portal.core.signatures.sealing.timestamps import (
    CONTENT_TYPE_QUERY,
    CONTENT_TYPE_REPLY,
    SANDBOX_POLICY,
    TimeStampResp,
)

FROZEN = datetime(2026, 12, 5, 13, 32, 7, 651000, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def authority(ctx):
    found = sealing.timestamp_authority()
    assert isinstance(found, sealing.SandboxTimestampAuthority)
    return found


def request_der(data: bytes = b"the document", *, algorithm="sha256", nonce=42, **extra) -> bytes:
    digest = hashlib.new(algorithm, data).digest()
    fields = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "cert_req": True,
        **extra,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    return tsp.TimeStampReq(fields).dump()


def tst_info(response: tsp.TimeStampResp) -> dict:
    return response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed.native


def test_the_sandbox_authority_grants_a_signed_token_at_the_portal_clock(authority, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: FROZEN)

    response = tsp.TimeStampResp.load(authority.respond(request_der()))

    assert response["status"]["status"].native == "granted"
    info = tst_info(response)
    assert info["gen_time"] == FROZEN.replace(microsecond=0)
    assert info["nonce"] == 42
    assert info["policy"] == SANDBOX_POLICY
    assert info["message_imprint"]["hashed_message"] == hashlib.sha256(b"the document").digest()
    assert info["tsa"]["common_name"] == "Portail Sandbox TSA"

    # The token is signed by the TSA certificate it carries (checked with its public key).
    signed_data = response["time_stamp_token"]["content"]
    [signer_info] = signed_data["signer_infos"]
    certificates = [c.chosen for c in signed_data["certificates"]]
    tsa_cert = next(
        c for c in certificates if c.subject.native["common_name"] == "Portail Sandbox TSA"
    )
    assert "time_stamping" in tsa_cert.extended_key_usage_value.native
    public_key = keys.sandbox_pki().tsa_cert.public_key()
    public_key.verify(
        signer_info["signature"].native,
        signer_info["signed_attrs"].untag().dump(),
        PKCS1v15(),
        hashes.SHA256(),
    )
    attributes = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
    encapsulated = signed_data["encap_content_info"]["content"].contents
    assert attributes["message_digest"].native == hashlib.sha256(encapsulated).digest()
    assert "signing_certificate_v2" in attributes


def test_serial_numbers_are_unique(authority):
    serials = {
        tst_info(tsp.TimeStampResp.load(authority.respond(request_der(nonce=n))))["serial_number"]
        for n in range(20)
    }
    assert len(serials) == 20


@pytest.mark.parametrize(
    ("body", "fail_info"),
    [
        (b"not a DER request", "bad_data_format"),
        (request_der(algorithm="md5"), "bad_alg"),
        (
            tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                        "hashed_message": b"too short",
                    },
                }
            ).dump(),
            "bad_data_format",
        ),
        (request_der(req_policy="1.2.3.4"), "unaccepted_policy"),
    ],
)
def test_requests_it_cannot_serve_are_rejected_with_the_reason(authority, body, fail_info):
    response = TimeStampResp.load(authority.respond(body))
    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {fail_info}
    assert response["time_stamp_token"].native is None


def test_without_cert_req_the_token_carries_no_certificate(authority):
    body = request_der()
    request = tsp.TimeStampReq.load(body)
    plain = tsp.TimeStampReq({**{k: request[k] for k in ("version", "message_imprint")}})
    response = tsp.TimeStampResp.load(authority.respond(plain.dump()))
    assert response["status"]["status"].native == "granted"
    assert response["time_stamp_token"]["content"]["certificates"].native is None


# -- over HTTP ----------------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def tsa_server(authority):
    """The sandbox authority served on a local port, behind basic auth like a commercial TSA."""
    expected = "Basic " + base64.b64encode(b"portal:tsa-pass").decode()
    requests_seen = []

    def app(environ, start_response):
        requests_seen.append(environ.get("CONTENT_TYPE"))
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="tsa"')])
            return [b""]
        return authority.wsgi_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsa", requests_seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_raw_rfc3161_exchange_over_http(tsa_server):
    url, _ = tsa_server
    reply = httpx.post(
        url,
        content=request_der(nonce=7),
        headers={"Content-Type": CONTENT_TYPE_QUERY},
        auth=("portal", "tsa-pass"),
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == CONTENT_TYPE_REPLY
    response = tsp.TimeStampResp.load(reply.content)
    assert response["status"]["status"].native == "granted"
    assert tst_info(response)["nonce"] == 7
    assert httpx.get(url, auth=("portal", "tsa-pass")).status_code == 405


def test_the_http_authority_timestamps_seals(ctx, tsa_server, monkeypatch):
    url, requests_seen = tsa_server
    monkeypatch.setitem(ctx.config, "PORTAL_TSA", "http")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_URL", url)
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_USERNAME", "portal")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_PASSWORD", "tsa-pass")
    sealing.clear_cache()
    try:
        found = sealing.timestamp_authority()
        assert isinstance(found, sealing.HttpTimestampAuthority) and found.url == url
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        out = BytesIO()
        writer.write(out)
        signed = sealing.seal_pdf(
            out.getvalue(),
            signer_name="Camille Durand",
            signed_at=FROZEN,
            field_name="Signature1",
            reason="Test",
        )
        # Roots of an outside TSA are configured separately; here it is the sandbox's CA,
        # which the sandbox sealing key brings anyway.
        [check] = sealing.validate_pdf(signed)
        assert check.ok
        assert requests_seen and set(requests_seen) == {CONTENT_TYPE_QUERY}
    finally:
        sealing.clear_cache()


def test_a_wrong_tsa_password_makes_sealing_fail_with_a_clear_error(ctx, tsa_server, monkeypatch):
    url, _ = tsa_server
    monkeypatch.setitem(ctx.config, "PORTAL_TSA", "http")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_URL", url)
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_USERNAME", "portal")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_PASSWORD", "nope")
    sealing.clear_cache()
    try:
        with pytest.raises(sealing.TimestampUnavailable, match="timestamping authority"):
            sealing.seal_pdf(
                _one_page(), signer_name="X", signed_at=FROZEN, field_name="S", reason="r"
            )
    finally:
        sealing.clear_cache()


def _one_page() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_authority_is_picked_by_configuration(ctx, monkeypatch):
    sealing.clear_cache()
    try:
        assert sealing.timestamp_authority().name == "sandbox"
        monkeypatch.setitem(ctx.config, "PORTAL_TSA", "http")
        monkeypatch.setitem(ctx.config, "PORTAL_TSA_URL", None)
        with pytest.raises(sealing.SigningConfigError, match="PORTAL_TSA_URL"):
            sealing.timestamp_authority()
        monkeypatch.setitem(ctx.config, "PORTAL_TSA", "atomic-clock")
        with pytest.raises(sealing.SigningConfigError, match="PORTAL_TSA"):
            sealing.timestamp_authority()
    finally:
        sealing.clear_cache()


def test_an_authority_that_does_not_answer_fails_the_seal_clearly(ctx, monkeypatch):
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(ctx.config, "PORTAL_TSA", "http")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_URL", f"http://127.0.0.1:{port}/")
    sealing.clear_cache()
    try:
        with pytest.raises(sealing.TimestampUnavailable):
            sealing.seal_pdf(
                _one_page(), signer_name="X", signed_at=FROZEN, field_name="S", reason="r"
            )
    finally:
        sealing.clear_cache()
