"""Yousign: the portal's signature request mapped to the JSON bodies Yousign v3 expects (pure),
and the calls the adapter makes through an injected HTTP session (no network)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from signkit import fixture_json

from portal.core.signatures.providers import yousign
from portal.core.signatures.providers.base import (
    Delivery,
    ProviderError,
    RequestStatus,
    SignedFile,
)
from portal.core.signatures.providers.http import HttpResponse
from portal.core.signatures.providers.yousign import YousignProvider

EXPECTED = fixture_json("request_bodies.json")
DOCUMENT_IDS = {"mandate": "doc-mandate", "conditions": "doc-conditions"}
SIGNER_IDS = {"camille": "signer-camille", "dominique": "signer-dominique"}


def test_signature_request_body(signature_request):
    assert yousign.signature_request_body(signature_request) == EXPECTED["signature_request"]


def test_deadline_is_the_local_day_in_the_request_time_zone(signature_request):
    late_evening_utc = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Paris
    request = dataclasses.replace(signature_request, deadline=late_evening_utc)
    assert yousign.signature_request_body(request)["expiration_date"] == "2026-12-11"


def test_documents_to_sign_and_to_read(signature_request):
    for document in signature_request.documents:
        data, files = yousign.document_form(document)
        assert data == EXPECTED["documents"][document.key]
        assert files == {"file": (document.filename, document.content, "application/pdf")}


def test_signer_bodies(signature_request):
    for signer in signature_request.signers:
        body = yousign.signer_body(signature_request, signer, DOCUMENT_IDS)
        assert body == EXPECTED["signers"][signer.key]


def test_in_person_delivery_sends_no_email(signature_request):
    request = dataclasses.replace(signature_request, delivery=Delivery.IN_PERSON)
    assert yousign.signature_request_body(request)["delivery_mode"] == "none"
    for signer in request.signers:
        assert yousign.signer_body(request, signer, DOCUMENT_IDS)["delivery_mode"] == "none"


def test_acceptance_boxes_become_consent_requests(signature_request):
    bodies = yousign.consent_request_bodies(signature_request, SIGNER_IDS, DOCUMENT_IDS)
    assert bodies == EXPECTED["consent_requests"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deadline": datetime(2026, 12, 10, 23, 59)}, "aware"),
        ({"signers": ()}, "at least one signer"),
        ({"documents": ()}, "document to sign"),
    ],
)
def test_incomplete_request_is_refused(signature_request, change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(signature_request, **change)


def test_document_to_sign_needs_a_spot_for_every_signer(signature_request):
    mandate = dataclasses.replace(
        signature_request.documents[0], spots=signature_request.documents[0].spots[:1]
    )
    with pytest.raises(ValueError, match="no signature spot for \\['dominique'\\]"):
        dataclasses.replace(signature_request, documents=(mandate,))


# -- the provider over a fake session ----------------------------------------------------------


class FakeSession:
    """Records every call; answers from a queue of (status, body) per (method, path suffix)."""

    def __init__(self, answers: dict[tuple[str, str], list[tuple[int, object]]]):
        self.answers = answers
        self.calls: list[dict] = []

    def request(self, method, url, *, headers=None, json=None, data=None, files=None, timeout=30):
        self.calls.append(
            {"method": method, "url": url, "headers": headers, "json": json, "data": data,
             "files": files}
        )  # fmt: skip
        for (m, suffix), queue in self.answers.items():
            if m == method and url.endswith(suffix) and queue:
                status, body = queue.pop(0)
                content = body if isinstance(body, bytes) else _json.dumps(body).encode()
                return HttpResponse(status, content)
        raise AssertionError(f"unexpected call {method} {url}")


_json = json
BASE = "https://api-sandbox.yousign.app/v3"


def make_provider(session) -> YousignProvider:
    return YousignProvider(api_key="test-key", webhook_secret="s", session=session)


def test_create_posts_request_documents_signers_and_consents(signature_request):
    session = FakeSession(
        {
            ("POST", "/signature_requests"): [(201, {"id": "sr-1", "status": "draft"})],
            ("POST", "/sr-1/documents"): [(201, {"id": "doc-mandate"}), (201, {"id": "doc-cg"})],
            ("POST", "/sr-1/signers"): [(201, {"id": "signer-c"}), (201, {"id": "signer-d"})],
            ("POST", "/sr-1/consent_requests"): [(201, {"id": f"cr-{i}"}) for i in range(3)],
        }
    )
    created = make_provider(session).create(signature_request)
    assert created.provider_id == "sr-1"
    assert created.document_ids == {"mandate": "doc-mandate", "conditions": "doc-cg"}
    assert created.signer_ids == {"camille": "signer-c", "dominique": "signer-d"}
    assert [(c["method"], c["url"].removeprefix(BASE)) for c in session.calls] == [
        ("POST", "/signature_requests"),
        ("POST", "/signature_requests/sr-1/documents"),
        ("POST", "/signature_requests/sr-1/documents"),
        ("POST", "/signature_requests/sr-1/signers"),
        ("POST", "/signature_requests/sr-1/signers"),
        ("POST", "/signature_requests/sr-1/consent_requests"),
        ("POST", "/signature_requests/sr-1/consent_requests"),
        ("POST", "/signature_requests/sr-1/consent_requests"),
    ]
    assert all(c["headers"]["Authorization"] == "Bearer test-key" for c in session.calls)
    assert session.calls[0]["json"] == EXPECTED["signature_request"]
    assert session.calls[2]["data"] == {"nature": "attachment", "parse_anchors": "false"}
    assert session.calls[5]["json"]["signer_ids"] == ["signer-c", "signer-d"]


def test_activate_returns_the_signing_links():
    session = FakeSession(
        {
            ("POST", "/sr-1/activate"): [
                (
                    201,
                    {
                        "id": "sr-1",
                        "status": "ongoing",
                        "signers": [
                            {"id": "signer-c", "signature_link": "https://yousign.app/s/c"},
                            {"id": "signer-d", "signature_link": None},
                        ],
                    },
                )
            ]
        }
    )
    assert make_provider(session).activate("sr-1") == {"signer-c": "https://yousign.app/s/c"}


def test_cancel_with_and_without_a_note():
    session = FakeSession({("POST", "/sr-1/cancel"): [(201, {}), (201, {})]})
    provider = make_provider(session)
    provider.cancel("sr-1")
    provider.cancel("sr-1", "Le client a changé d'avis.")
    assert session.calls[0]["json"] == {"reason": "contractualization_aborted"}
    assert session.calls[1]["json"] == {
        "reason": "other",
        "custom_note": "Le client a changé d'avis.",
    }


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("draft", RequestStatus.CREATED),
        ("ongoing", RequestStatus.ONGOING),
        ("done", RequestStatus.SIGNED),
        ("declined", RequestStatus.DECLINED),
        ("expired", RequestStatus.EXPIRED),
        ("canceled", RequestStatus.CANCELLED),
    ],
)
def test_status_maps_yousign_words(word, status):
    body = {"id": "sr-1", "status": word, "signers": [{"id": "signer-c", "status": "signed"}]}
    session = FakeSession({("GET", "/signature_requests/sr-1"): [(200, body)]})
    report = make_provider(session).status("sr-1")
    assert (report.status, report.provider_status) == (status, word)
    assert report.signer_statuses == {"signer-c": "signed"}


def test_unknown_status_is_an_error():
    body = {"id": "sr-1", "status": "teleported"}
    session = FakeSession({("GET", "/signature_requests/sr-1"): [(200, body)]})
    with pytest.raises(ProviderError, match="teleported"):
        make_provider(session).status("sr-1")


def test_signed_documents_and_audit_trail_are_downloaded():
    session = FakeSession(
        {
            ("GET", "/sr-1/documents"): [
                (
                    200,
                    [
                        {"id": "doc-m", "nature": "signable_document", "filename": "mandat.pdf"},
                        {"id": "doc-cg", "nature": "attachment", "filename": "cg.pdf"},
                    ],
                )
            ],
            ("GET", "/documents/doc-m/download"): [(200, b"%PDF signed")],
            ("GET", "/signers/signer-c/audit_trails/download"): [(200, b"%PDF trail")],
        }
    )
    provider = make_provider(session)
    assert provider.signed_documents("sr-1") == [SignedFile("mandat.pdf", b"%PDF signed")]
    assert provider.audit_trail("sr-1", "signer-c") == SignedFile(
        "audit-trail-signer-c.pdf", b"%PDF trail"
    )


def test_http_error_becomes_a_provider_error_without_the_key():
    session = FakeSession({("GET", "/signature_requests/sr-1"): [(403, {"detail": "Forbidden"})]})
    provider = make_provider(session)
    with pytest.raises(ProviderError, match="HTTP 403") as error:
        provider.status("sr-1")
    assert "test-key" not in str(error.value) and "test-key" not in repr(provider)


def test_unreachable_provider_is_a_provider_error():
    class Down:
        def request(self, *args, **kwargs):
            raise ConnectionRefusedError("refused")

    with pytest.raises(ProviderError, match="unreachable"):
        make_provider(Down()).status("sr-1")
