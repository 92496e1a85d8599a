"""French mobile numbers, the HTTP gateway against a real local server, the dev gateway."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import create_app
from portal.core.devbox import DevboxMessage
from portal.core.sms import (
    DevSmsGateway,
    HttpSmsGateway,
    InvalidPhoneNumber,
    SmsError,
    normalize_mobile,
    send_sms,
    sender_id,
    sms_gateway,
)
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.12.34.56.78", "+33712345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("0696 12 34 56", "+596696123456"),  # Martinique
        ("0694 12 34 56", "+594694123456"),  # Guyane
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("0639 12 34 56", "+262639123456"),  # Mayotte
        ("+262 692 12 34 56", "+262692123456"),
    ],
)
def test_french_mobiles_are_normalised_to_e164(raw, e164):
    assert normalize_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "01 23 45 67 89",
        "06 12 34 56",
        "06 12 34 56 789",
        "+44 7700 900123",
        "+33 1 23 45 67 89",
        "+33 690 12 34 56",
        "+262 612345678",
        "06 12 34 56 7a",
        "612345678",
    ],
)
def test_other_numbers_are_refused_with_a_french_message(raw):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_mobile(raw)
    assert "numéro de mobile" in str(caught.value)


def test_sender_id_is_short_ascii():
    assert sender_id("Résilimo") == "Resilimo"
    assert sender_id("Mutualité Sociale Rurale") == "MutualiteSo"
    assert sender_id("++") == "Portail"


def test_http_gateway_posts_json_with_a_bearer_token_and_an_idempotency_key(http_capture):
    gateway = HttpSmsGateway(http_capture.url + "/v1/sms", "tok-123", timeout=2)
    gateway.send("+33612345678", "Votre code : 123456", "Resilimo", "job-7-0")
    (request,) = http_capture.requests
    assert request.method == "POST"
    assert request.path == "/v1/sms"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Idempotency-Key"] == "job-7-0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "to": "+33612345678",
        "text": "Votre code : 123456",
        "sender": "Resilimo",
    }


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_http_gateway_raises_on_non_2xx(http_capture, status):
    http_capture.status = status
    http_capture.answer = b'{"error": "quota exceeded"}'
    with pytest.raises(SmsError, match=f"HTTP {status}.*quota exceeded"):
        HttpSmsGateway(http_capture.url, "t", timeout=2).send("+33612345678", "x", "Portail", "k-1")


def test_http_gateway_does_not_follow_redirects(http_capture):
    http_capture.status = 302  # the bearer token must not be replayed to another address
    http_capture.headers["Location"] = http_capture.url + "/elsewhere"
    with pytest.raises(SmsError, match="HTTP 302"):
        HttpSmsGateway(http_capture.url, "t", timeout=2).send("+33612345678", "x", "Portail", "k-1")
    assert len(http_capture.requests) == 1


def test_http_gateway_gives_up_after_its_timeout(http_capture):
    http_capture.delay = 1.0
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsGateway(http_capture.url, "t", timeout=0.2).send(
            "+33612345678", "x", "Portail", "k-1"
        )


def test_http_gateway_unreachable(unused_port):
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsGateway(f"http://127.0.0.1:{unused_port}/", "t", timeout=2).send(
            "+33612345678", "x", "P", "k-1"
        )


def test_http_gateway_only_takes_http_urls():
    for url in (None, "", "file:///etc/passwd", "ftp://x/"):
        with pytest.raises(ValueError, match="PORTAL_SMS_HTTP_URL"):
            HttpSmsGateway(url, "t")


def test_config_chooses_the_http_gateway(app, app_config, http_capture, tenant_ids):
    sms_app = create_app(
        {
            **app_config,
            "PORTAL_SMS": "http",
            "PORTAL_SMS_HTTP_URL": http_capture.url + "/send",
            "PORTAL_SMS_HTTP_TOKEN": "secret-token",
        }
    )
    with sms_app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        assert isinstance(sms_gateway(), HttpSmsGateway)
        # In a job: the number is normalised and the sender is the active tenant's name.
        assert send_sms("06 12 34 56 78", "Bonjour") == "+33612345678"
    (request,) = http_capture.requests
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert request.json == {"to": "+33612345678", "text": "Bonjour", "sender": "Resilimo"}
    with pytest.raises(ValueError, match="PORTAL_SMS"):
        create_app({**app_config, "PORTAL_SMS": "carrier-pigeon"})


def test_dev_gateway_keeps_sms_in_the_tenant_mailbox(app, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        assert isinstance(sms_gateway(), DevSmsGateway)  # the default
        send_sms("+33 7 00 00 00 01", "Votre code : 654321")
        db.session.commit()
        row = db.session.scalars(select(DevboxMessage)).one()
    assert (row.kind, row.recipients, row.body_text) == (
        "sms",
        "+33700000001",
        "Votre code : 654321",
    )
    assert row.sender == "MutualiteSo"
    assert row.tenant_id == tenant_ids["msr"]
    with app.app_context(), tenant_scope(tenant_ids["msr"]), pytest.raises(InvalidPhoneNumber):
        send_sms("01 23 45 67 89", "landline")
