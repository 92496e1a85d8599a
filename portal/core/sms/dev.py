"""The development gateway (``PORTAL_SMS=dev``, the default): nothing leaves the machine."""

from __future__ import annotations

import logging

from portal.core.sms.gateway import SmsGateway

log = logging.getLogger(__name__)


class DevSmsGateway(SmsGateway):
    """Stores each SMS in the active tenant's development mailbox (``/_dev/mailbox``)."""

    transactional = True

    def __repr__(self) -> str:
        return "<DevSmsGateway>"

    def send(self, to: str, text: str, sender: str, key: str) -> None:
        from portal.core.devbox import record_sms

        row = record_sms(to, text, sender)
        log.info("dev SMS #%s to %s", row.id, to)
