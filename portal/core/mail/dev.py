"""The development transport (``PORTAL_MAIL=dev``, the default): nothing leaves the machine."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from portal.core.mail.transport import MailTransport

log = logging.getLogger(__name__)


class DevMailTransport(MailTransport):
    """Stores each message in the active tenant's development mailbox (``/_dev/mailbox``)."""

    transactional = True

    def __repr__(self) -> str:
        return "<DevMailTransport>"

    def send(self, message: EmailMessage) -> None:
        from portal.core.devbox import record_email

        row = record_email(message)
        log.info("dev mail #%s to %s: %s", row.id, row.recipients, row.subject)
