"""Sending through an SMTP relay (``PORTAL_MAIL=smtp``)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from portal.core.mail.transport import MailBounced, MailError, MailTransport

log = logging.getLogger(__name__)


class SmtpTransport(MailTransport):
    """One connection per message: transactional volumes do not need a pool, and a dropped
    connection can never poison later sends."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"<SmtpTransport {self.host}:{self.port}>"

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)  # strips Bcc, keeps it in the envelope
        except smtplib.SMTPRecipientsRefused as exc:
            # Every recipient refused: for good if any answer is permanent (5xx), else later.
            _raise_bounce(exc.recipients)
            raise MailError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        if refused:
            # Delivered to the others: a temporary refusal cannot be retried without sending
            # the message again to them, so it is only logged; a permanent one is a bounce.
            log.warning("SMTP relay refused some recipients: %s", ", ".join(refused))
            _raise_bounce(refused)


def _raise_bounce(refused: dict) -> None:
    """``MailBounced`` naming the recipients the relay refused for good (5xx), if any."""
    permanent = {
        address: answer for address, answer in refused.items() if 500 <= int(answer[0]) < 600
    }
    if permanent:
        reason = "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in permanent.values()
        )
        raise MailBounced(sorted(permanent), reason)
