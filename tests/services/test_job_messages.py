"""An email or SMS sent by a job keeps one identity and is handed to its relay once per job,
however many attempts the job takes (a real SMTP server and a real HTTP gateway on 127.0.0.1)."""

from __future__ import annotations

import uuid
from collections import Counter
from email import message_from_bytes, policy

import pytest

from portal import create_app
from portal.core.jobs import Job, drain, enqueue, shutdown
from portal.core.mail import compose_email, send_email
from portal.core.sms import send_sms
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

ATTEMPTS: Counter[str] = Counter()


def notify_then_fail(tenant_id, to, mobile, failures):
    """Emails and texts ``to`` / ``mobile``, then fails its first ``failures`` attempts (as a
    worker killed before its commit would)."""
    message = compose_email(
        tenant_directory().get(tenant_id),
        "notification",
        to=to,
        subject="Votre lettre est partie",
        context={"title": "Votre lettre est partie", "paragraphs": ["Merci."]},
    )
    send_email(message)
    send_sms(mobile, "Votre lettre est partie.")
    ATTEMPTS[to] += 1
    if ATTEMPTS[to] <= failures:
        raise RuntimeError("the worker died after the relay accepted")


@pytest.fixture
def relay_app(app, app_config, smtp_server, http_capture):
    controller, recorder = smtp_server()
    relay_app = create_app(
        {
            **app_config,
            "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
            "PORTAL_EXTRA_JOBS": [notify_then_fail],
            "PORTAL_JOBS_MIN_BACKOFF_MS": 10,
            "PORTAL_JOBS_MAX_BACKOFF_MS": 40,
            "PORTAL_JOBS_WORKER_TIMEOUT_MS": 20,
            "PORTAL_MAIL": "smtp",
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": controller.port,
            "PORTAL_SMS": "http",
            "PORTAL_SMS_HTTP_URL": http_capture.url + "/sms",
        }
    )
    yield relay_app, recorder, http_capture
    shutdown(relay_app)
    with relay_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _run(relay_app, tenant_id, to, failures) -> Job:
    with relay_app.app_context(), tenant_scope(tenant_id):
        row = enqueue(notify_then_fail, to, "06 12 34 56 78", failures)
        db.session.commit()
        job_id = row.id
        db.session.remove()
    drain(relay_app)
    with relay_app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge_all()
        return row


def test_a_retried_job_hands_its_email_and_sms_over_once(relay_app, tenant_ids):
    relay_app, recorder, gateway = relay_app
    row = _run(relay_app, tenant_ids["msr"], "adherent@example.test", failures=2)

    assert row.completed_at is not None and row.attempts == 3
    assert row.handovers == 2
    (envelope,) = recorder.envelopes  # the two failed attempts did not send it again
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["Message-ID"] == f"<job-{row.id}-0@msr.test>"
    (sms,) = gateway.requests
    assert sms.headers["Idempotency-Key"] == f"job-{row.id}-1"
    assert sms.json["to"] == "+33612345678"


def test_each_job_has_its_own_message_identity(relay_app, tenant_ids):
    relay_app, recorder, gateway = relay_app
    first = _run(relay_app, tenant_ids["resilimo"], "claire@agence.test", failures=0)
    second = _run(relay_app, tenant_ids["resilimo"], "paul@agence.test", failures=0)

    ids = [
        message_from_bytes(e.content, policy=policy.default)["Message-ID"]
        for e in recorder.envelopes
    ]
    assert ids == [f"<job-{first.id}-0@resilimo.test>", f"<job-{second.id}-0@resilimo.test>"]
    keys = [request.headers["Idempotency-Key"] for request in gateway.requests]
    assert keys == [f"job-{first.id}-1", f"job-{second.id}-1"]


def test_outside_a_job_each_sms_gets_a_fresh_key(app, app_config, tenant_ids, http_capture):
    sms_app = create_app(
        {**app_config, "PORTAL_SMS": "http", "PORTAL_SMS_HTTP_URL": http_capture.url}
    )
    with sms_app.app_context(), tenant_scope(tenant_ids["msr"]):
        send_sms("0612345678", "Votre code : 1")
        send_sms("0612345678", "Votre code : 1")
    keys = [request.headers["Idempotency-Key"] for request in http_capture.requests]
    assert len(set(keys)) == 2 and all(key.startswith("sms-") for key in keys)
