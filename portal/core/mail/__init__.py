"""Email: branded composition per tenant and a transport chosen by ``PORTAL_MAIL``.

``dev`` (default) keeps every message in the development mailbox; ``smtp`` hands it to the relay
``PORTAL_SMTP_HOST``:``PORTAL_SMTP_PORT`` (``PORTAL_SMTP_STARTTLS``, ``PORTAL_SMTP_USERNAME``,
``PORTAL_SMTP_PASSWORD``)::

    message = compose_email(tenant, "notification", to=user.email, subject=_l("Votre compte"),
                            context={"title": ..., "paragraphs": [...]})
    mail_transport().send(message)

A recipient refused for good raises ``MailBounced`` (its ``recipients``); the ``dev`` transport
bounces every address of the reserved ``.invalid`` domain (``x@nowhere.invalid``).
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app

from portal.core.jobs.handover import hand_over
from portal.core.mail.compose import Attachment, compose_email
from portal.core.mail.dev import DevMailTransport
from portal.core.mail.rendering import tenant_base_url, tenant_rendering
from portal.core.mail.smtp import SmtpTransport
from portal.core.mail.transport import MailBounced, MailError, MailTransport

__all__ = [
    "Attachment",
    "DevMailTransport",
    "MailBounced",
    "MailError",
    "MailTransport",
    "SmtpTransport",
    "compose_email",
    "init_app",
    "mail_transport",
    "send_email",
    "tenant_base_url",
    "tenant_rendering",
    "transport_from_config",
]

TEMPLATES = Path(__file__).parent / "templates"


def transport_from_config(config) -> MailTransport:
    kind = config.get("PORTAL_MAIL", "dev")
    if kind == "dev":
        return DevMailTransport()
    if kind == "smtp":
        return SmtpTransport(
            config.get("PORTAL_SMTP_HOST") or "localhost",
            int(config.get("PORTAL_SMTP_PORT") or 25),
            username=config.get("PORTAL_SMTP_USERNAME"),
            password=config.get("PORTAL_SMTP_PASSWORD"),
            starttls=bool(config.get("PORTAL_SMTP_STARTTLS")),
        )
    raise ValueError(f"PORTAL_MAIL must be 'dev' or 'smtp', not {kind!r}")


def init_app(app: Flask) -> None:
    app.extensions["portal.mail"] = transport_from_config(app.config)
    app.template_folders.append(TEMPLATES)


def mail_transport() -> MailTransport:
    """The mail transport of the running application."""
    return current_app.extensions["portal.mail"]


def send_email(message: EmailMessage) -> bool:
    """Hand ``message`` to the transport; False when it was not sent again.

    In a job, its ``Message-ID`` is the job's (``<job-<id>-<n>@<sender's domain>>``) and it is
    handed over at most once per job, whatever the attempt: a retry after a crash finds it
    recorded and does not send it again. ``MailBounced`` (recipients refused for good) is
    raised once the message counts as handed over: a retry does not send it again either.
    """
    transport = mail_transport()
    bounced: list[MailBounced] = []

    def send(identity: str | None) -> None:
        if identity is not None:
            domain = message["From"].addresses[0].domain
            del message["Message-ID"]
            message["Message-ID"] = f"<{identity}@{domain}>"
        try:
            transport.send(message)
        except MailBounced as exc:
            if transport.transactional:
                raise
            # Handed over as far as it will ever go (the other recipients may have it): a
            # retry of the job must not send it again.
            bounced.append(exc)

    sent = hand_over(send, transactional=transport.transactional)
    if bounced:
        raise bounced[0]
    return sent
