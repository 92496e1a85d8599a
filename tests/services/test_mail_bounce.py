"""Bounces: a recipient refused for good raises ``MailBounced`` naming it, from the development
mailbox (the reserved ``.invalid`` domain) and from a real SMTP relay (aiosmtpd answering 5xx
to ``RCPT TO``); a temporary refusal stays a plain ``MailError`` (worth a retry)."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.core.devbox import DevboxMessage
from portal.core.mail import (
    MailBounced,
    MailError,
    SmtpTransport,
    compose_email,
    send_email,
)
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _message(to):
    tenant = tenant_directory().by_slug("resilimo")
    return compose_email(
        tenant,
        "notification",
        to=to,
        subject="Lettre envoyée",
        context={"title": "Votre lettre est partie", "paragraphs": ["Merci."]},
    )


def _mailbox():
    return db.session.scalars(select(DevboxMessage).order_by(DevboxMessage.id)).all()


def test_the_dev_mailbox_bounces_the_reserved_invalid_domain(app, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        with pytest.raises(MailBounced) as bounced:
            send_email(_message("x@nowhere.invalid"))
        assert bounced.value.recipients == ("x@nowhere.invalid",)
        assert isinstance(bounced.value, MailError)
        db.session.commit()
        assert _mailbox() == []  # nothing recorded for a bounced recipient


def test_the_dev_mailbox_delivers_to_the_others_and_names_the_bounced_one(app, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        with pytest.raises(MailBounced) as bounced:
            send_email(_message(["claire@agence.test", "Paul <paul@Agence.INVALID>"]))
        assert bounced.value.recipients == ("paul@Agence.INVALID",)
        db.session.commit()
        [row] = _mailbox()
        assert row.recipients == "claire@agence.test"
        assert row.subject == "Lettre envoyée"


def test_an_ordinary_address_does_not_bounce(app, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        send_email(_message("someone@invalid-domain.example"))  # only the TLD counts
        db.session.commit()
        assert len(_mailbox()) == 1


class RefusingRelay:
    """An aiosmtpd handler that answers ``RCPT TO`` with ``answers[address]`` (default 250)
    and keeps the messages it accepts."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def relay():
    controllers = []

    def start(answers):
        handler = RefusingRelay(answers)
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        controller.start()
        controllers.append(controller)
        return SmtpTransport(controller.hostname, controller.port, timeout=5), handler

    yield start
    for controller in controllers:
        controller.stop()


def test_smtp_permanent_refusal_of_every_recipient_is_a_bounce(app, relay):
    transport, handler = relay({"x@nowhere.example": "550 5.1.1 No such user"})
    with app.app_context():
        message = _message("x@nowhere.example")
    with pytest.raises(MailBounced) as bounced:
        transport.send(message)
    assert bounced.value.recipients == ("x@nowhere.example",)
    assert "550" in bounced.value.reason and "No such user" in bounced.value.reason
    assert handler.envelopes == []


def test_smtp_permanent_refusal_of_one_recipient_after_delivering_to_the_other(app, relay):
    transport, handler = relay({"gone@agence.example": "550 5.1.1 No such user"})
    with app.app_context():
        message = _message(["claire@agence.example", "gone@agence.example"])
    with pytest.raises(MailBounced) as bounced:
        transport.send(message)
    assert bounced.value.recipients == ("gone@agence.example",)
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["claire@agence.example"]


def test_smtp_temporary_refusal_is_not_a_bounce(app, relay):
    transport, _ = relay({"busy@agence.example": "450 4.2.1 Mailbox busy, try later"})
    with app.app_context():
        message = _message("busy@agence.example")
    with pytest.raises(MailError) as failed:
        transport.send(message)
    assert not isinstance(failed.value, MailBounced)


def test_a_job_retried_after_a_bounce_does_not_send_again_to_the_others(app, relay):
    """A job whose message bounced for one recipient fails; its retry must not send the
    message again to those who got it (the relay's handover is recorded)."""
    from portal.core.jobs.handover import attempt_of
    from portal.core.mail import send_email

    transport, handler = relay({"gone@agence.example": "550 5.1.1 No such user"})
    with app.app_context():
        app.extensions["portal.mail"], saved = transport, app.extensions["portal.mail"]
        try:
            message = _message(["claire@agence.example", "gone@agence.example"])
            with attempt_of(job_id=987654, handed_over=0), pytest.raises(MailBounced):
                send_email(message)
            # The retry reads how many messages earlier attempts handed over: this one.
            with attempt_of(job_id=987654, handed_over=1):
                assert send_email(message) is False
        finally:
            app.extensions["portal.mail"] = saved
    assert len(handler.envelopes) == 1


def test_a_queued_email_that_bounces_is_not_retried(app, tenant_ids):
    from portal.core.mail.jobs import deliver_email

    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        # The job's body, as the worker runs it: a bounce ends it (logged), it does not fail.
        deliver_email(
            tenant_ids["resilimo"],
            "notification",
            ["claire@agence.test", "x@nowhere.invalid"],
            "Lettre envoyée",
            {"title": "Votre lettre est partie", "paragraphs": ["Merci."]},
            "fr",
        )
        db.session.commit()
        assert [m.recipients for m in _mailbox()] == ["claire@agence.test"]
