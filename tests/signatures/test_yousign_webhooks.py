"""Yousign webhooks: the signature check (HMAC-SHA256 of the raw body, ``sha256=<hex>`` in
``X-Yousign-Signature-256``) on recorded payloads, and payload → outcome events."""

from __future__ import annotations

import hmac
import json
from datetime import timedelta

import pytest
from signkit import RECORDED_AT, fixture_bytes

from portal.core.signatures.providers import yousign
from portal.core.signatures.providers.base import (
    InvitationBounced,
    ProviderConfigError,
    RequestCancelled,
    RequestDone,
    RequestExpired,
    SignerDeclined,
    SignerSigned,
    WebhookRejected,
)
from portal.core.signatures.providers.yousign import YousignProvider, verify_signature

PAYLOADS = [
    "webhook_signer_done.json",
    "webhook_signer_declined.json",
    "webhook_signature_request_done.json",
    "webhook_signature_request_expired.json",
    "webhook_signature_request_canceled.json",
    "webhook_signer_notification_delivery_failed.json",
    "webhook_signature_request_activated.json",
]
REQUEST_ID = "4a0e1f7c-9d2b-4c55-8e3a-2f6b7d1c0a91"
SIGNER_ID = "b7d5e6a2-1c3f-4e8b-9a0d-6f2e3c4b5a17"


def provider(secret: str, *, now=RECORDED_AT + timedelta(minutes=1), sandbox=True):
    return YousignProvider(
        api_key="key", webhook_secret=secret, sandbox=sandbox, session=object(), now=lambda: now
    )


def headers(signature: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Yousign-Signature-256": signature,
        "X-Yousign-Retry": "0",
        "User-Agent": "Yousign Webhook Bot",
    }


@pytest.mark.parametrize("name", PAYLOADS)
def test_recorded_payload_and_signature_are_accepted(name, recorded_signatures):
    secret = recorded_signatures["secret"]
    signature = recorded_signatures["signatures"][name]
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    verify_signature(secret, fixture_bytes(name), signature)
    provider(secret).parse_webhook(headers(signature), fixture_bytes(name))


@pytest.mark.parametrize("name", PAYLOADS)
def test_one_changed_byte_of_body_is_refused(name, recorded_signatures):
    secret = recorded_signatures["secret"]
    body = bytearray(fixture_bytes(name))
    for position in (0, len(body) // 2, len(body) - 1):
        tampered = bytearray(body)
        tampered[position] ^= 0x01
        with pytest.raises(WebhookRejected) as refused:
            provider(secret).parse_webhook(
                headers(recorded_signatures["signatures"][name]), bytes(tampered)
            )
        assert refused.value.reason == "bad_signature"


def test_one_changed_character_of_signature_is_refused(recorded_signatures):
    secret = recorded_signatures["secret"]
    name = "webhook_signer_done.json"
    signature = recorded_signatures["signatures"][name]
    for position in (7, 40, len(signature) - 1):
        swapped = "0" if signature[position] != "0" else "1"
        tampered = signature[:position] + swapped + signature[position + 1 :]
        with pytest.raises(WebhookRejected) as refused:
            provider(secret).parse_webhook(headers(tampered), fixture_bytes(name))
        assert refused.value.reason == "bad_signature"


def test_other_secret_bare_hex_and_uppercase_hex_are_refused(recorded_signatures):
    name = "webhook_signer_done.json"
    signature = recorded_signatures["signatures"][name]
    body = fixture_bytes(name)
    for secret, header in (
        ("another-secret", signature),
        (recorded_signatures["secret"], signature.removeprefix("sha256=")),
        (recorded_signatures["secret"], "sha256=" + signature[7:].upper()),
    ):
        with pytest.raises(WebhookRejected) as refused:
            provider(secret).parse_webhook(headers(header), body)
        assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("value", [None, ""])
def test_missing_signature_header_is_refused(value, recorded_signatures):
    sent = {"Content-Type": "application/json"}
    if value is not None:
        sent["X-Yousign-Signature-256"] = value
    with pytest.raises(WebhookRejected) as refused:
        provider(recorded_signatures["secret"]).parse_webhook(
            sent, fixture_bytes("webhook_signer_done.json")
        )
    assert refused.value.reason == "missing_signature"


def test_header_name_is_case_insensitive(recorded_signatures):
    name = "webhook_signer_done.json"
    sent = {"x-yousign-signature-256": recorded_signatures["signatures"][name]}
    events = provider(recorded_signatures["secret"]).parse_webhook(sent, fixture_bytes(name))
    assert len(events) == 1


def test_signature_is_compared_in_constant_time(monkeypatch, recorded_signatures):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(yousign.hmac, "compare_digest", spy)
    name = "webhook_signer_done.json"
    signature = recorded_signatures["signatures"][name]
    verify_signature(recorded_signatures["secret"], fixture_bytes(name), signature)
    assert calls == [(signature.encode(), signature.encode())]


def test_no_secret_is_a_configuration_error():
    with pytest.raises(ProviderConfigError):
        verify_signature("", b"{}", "sha256=00")
    with pytest.raises(ProviderConfigError):
        YousignProvider(api_key="key", webhook_secret="")


# -- payload -> events -------------------------------------------------------------------------


def parse(name, recorded_signatures, **kwargs):
    return provider(recorded_signatures["secret"], **kwargs).parse_webhook(
        headers(recorded_signatures["signatures"][name]), fixture_bytes(name)
    )


def test_signer_signed(recorded_signatures):
    [event] = parse("webhook_signer_done.json", recorded_signatures)
    assert event == SignerSigned(
        event_id="0c8b5d0e-6f1a-4c3e-9b7d-000000000001",
        provider_request_id=REQUEST_ID,
        reference="proc-42",
        occurred_at=RECORDED_AT,
        signer_id=SIGNER_ID,
    )


def test_signer_declined_with_reason(recorded_signatures):
    [event] = parse("webhook_signer_declined.json", recorded_signatures)
    assert isinstance(event, SignerDeclined)
    assert event.signer_id == SIGNER_ID
    assert event.reason == "Le montant ne correspond pas à notre accord."
    assert event.reference == "proc-42"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("webhook_signature_request_done.json", RequestDone),
        ("webhook_signature_request_expired.json", RequestExpired),
        ("webhook_signature_request_canceled.json", RequestCancelled),
    ],
)
def test_request_outcomes(name, kind, recorded_signatures):
    [event] = parse(name, recorded_signatures)
    assert type(event) is kind
    assert event.provider_request_id == REQUEST_ID
    assert event.reference == "proc-42"
    assert event.occurred_at == RECORDED_AT


def test_cancellation_keeps_the_reason(recorded_signatures):
    [event] = parse("webhook_signature_request_canceled.json", recorded_signatures)
    assert event.reason == "contractualization_aborted"


def test_bounced_invitation_names_the_signer(recorded_signatures):
    [event] = parse("webhook_signer_notification_delivery_failed.json", recorded_signatures)
    assert isinstance(event, InvitationBounced)
    assert event.signer_id == SIGNER_ID


def test_documented_event_the_portal_ignores_yields_nothing(recorded_signatures):
    assert parse("webhook_signature_request_activated.json", recorded_signatures) == []


def test_retry_days_later_is_accepted_but_old_event_is_refused(recorded_signatures):
    name = "webhook_signature_request_done.json"
    # Yousign's last retry comes about four days after the event (same event_time).
    assert parse(name, recorded_signatures, now=RECORDED_AT + timedelta(days=4))
    with pytest.raises(WebhookRejected) as refused:
        parse(name, recorded_signatures, now=RECORDED_AT + timedelta(days=6))
    assert refused.value.reason == "stale_event"


def test_event_from_the_future_is_refused(recorded_signatures):
    with pytest.raises(WebhookRejected) as refused:
        parse(
            "webhook_signer_done.json",
            recorded_signatures,
            now=RECORDED_AT - timedelta(hours=1),
        )
    assert refused.value.reason == "future_event"


def test_sandbox_event_is_refused_by_production(recorded_signatures):
    with pytest.raises(WebhookRejected) as refused:
        parse("webhook_signer_done.json", recorded_signatures, sandbox=False)
    assert refused.value.reason == "wrong_environment"


def resigned(secret: str, payload) -> tuple[dict[str, str], bytes]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return headers(yousign.webhook_signature(secret, body)), body


def test_unknown_event_name_is_refused(recorded_signatures):
    secret = recorded_signatures["secret"]
    payload = json.loads(fixture_bytes("webhook_signer_done.json"))
    payload["event_name"] = "signer.teleported"
    with pytest.raises(WebhookRejected) as refused:
        provider(secret).parse_webhook(*resigned(secret, payload))
    assert refused.value.reason == "unknown_event"


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("event_id"),
        lambda p: p.pop("event_name"),
        lambda p: p.update(event_time="yesterday"),
        lambda p: p["data"].pop("signature_request"),
        lambda p: p["data"].pop("signer"),
    ],
)
def test_malformed_payload_is_refused(change, recorded_signatures):
    secret = recorded_signatures["secret"]
    payload = json.loads(fixture_bytes("webhook_signer_done.json"))
    change(payload)
    with pytest.raises(WebhookRejected) as refused:
        provider(secret).parse_webhook(*resigned(secret, payload))
    assert refused.value.reason == "malformed"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_signed_body_that_is_not_an_event_is_refused(body, recorded_signatures):
    secret = recorded_signatures["secret"]
    with pytest.raises(WebhookRejected) as refused:
        provider(secret).parse_webhook(*resigned(secret, body))
    assert refused.value.reason == "malformed"
