"""Recording outgoing messages in the development mailbox.

Rows are added to the caller's session and flushed, not committed: like an outbox, a message
"sent" inside a transaction that is rolled back was never sent. Views and jobs commit their work.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

from portal.core.devbox.models import DevboxMessage
from portal.core.tenants.scoping import TenantScopeError, active_tenant_id
from portal.extensions import db


def _require_tenant(what: str) -> None:
    if active_tenant_id() is None:
        raise TenantScopeError(f"the development mailbox stores {what} for the active tenant only")


def record_email(message: EmailMessage) -> DevboxMessage:
    _require_tenant("emails")
    recipients = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    text = message.get_body(("plain",))
    row = DevboxMessage(
        kind="email",
        sender=str(message.get("From", "")),
        recipients=", ".join(recipients),
        subject=str(message.get("Subject", "")),
        body_text=text.get_content() if text is not None else "",
        raw=message.as_bytes(policy=policy.SMTP),
    )
    db.session.add(row)
    db.session.flush()
    return row


def record_sms(to: str, text: str, sender: str) -> DevboxMessage:
    _require_tenant("SMS")
    row = DevboxMessage(kind="sms", sender=sender, recipients=to, subject="", body_text=text)
    db.session.add(row)
    db.session.flush()
    return row
