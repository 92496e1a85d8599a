"""The development transport (``PORTAL_MAIL=dev``, the default): nothing leaves the machine."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import getaddresses

from portal.core.mail.transport import MailBounced, MailTransport

log = logging.getLogger(__name__)

# RFC 2606 reserves the ``.invalid`` top-level domain: no real address ever ends with it.
BOUNCING_TLD = "invalid"


def bounces(address: str) -> bool:
    """Whether the development transport refuses ``address`` (its domain ends with
    ``.invalid``)."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    return domain == BOUNCING_TLD or domain.endswith("." + BOUNCING_TLD)


class DevMailTransport(MailTransport):
    """Stores each message in the active tenant's development mailbox (``/_dev/mailbox``).

    A recipient whose domain ends with ``.invalid`` (reserved by RFC 2606, e.g.
    ``x@nowhere.invalid``) bounces, as a relay's permanent refusal would: nothing is recorded
    for it and ``MailBounced`` is raised naming it, after the message is recorded for the other
    recipients (if any). This is how tests and demos show a bounced invitation.
    """

    transactional = True

    def __repr__(self) -> str:
        return "<DevMailTransport>"

    def send(self, message: EmailMessage) -> None:
        from portal.core.devbox import record_email

        values = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
        addresses = [address for _, address in getaddresses(values) if address]
        refused = [address for address in addresses if bounces(address)]
        delivered = [address for address in addresses if not bounces(address)]
        if delivered:
            row = record_email(message)
            if refused:
                row.recipients = ", ".join(delivered)
            log.info("dev mail #%s to %s: %s", row.id, row.recipients, row.subject)
        if refused:
            log.info("dev mail bounced for %s: %s", ", ".join(refused), message.get("Subject"))
            raise MailBounced(refused, "550 5.1.1 development mailbox: reserved .invalid domain")
