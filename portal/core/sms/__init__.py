"""SMS: a gateway chosen by ``PORTAL_SMS`` and French mobile number normalisation.

``dev`` (default) keeps every SMS in the development mailbox; ``http`` posts it to
``PORTAL_SMS_HTTP_URL`` with the bearer token ``PORTAL_SMS_HTTP_TOKEN``::

    send_sms(form.mobile.data, _("Votre code de signature : %(code)s", code=code))
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from flask import Flask, current_app, g, has_request_context

from portal.core.jobs.handover import hand_over
from portal.core.sms.dev import DevSmsGateway
from portal.core.sms.gateway import SmsError, SmsGateway
from portal.core.sms.http import HttpSmsGateway
from portal.core.sms.numbers import InvalidPhoneNumber, normalize_mobile
from portal.core.tenants import active_tenant_id, tenant_directory

__all__ = [
    "DevSmsGateway",
    "HttpSmsGateway",
    "InvalidPhoneNumber",
    "SmsError",
    "SmsGateway",
    "gateway_from_config",
    "init_app",
    "normalize_mobile",
    "send_sms",
    "sender_id",
    "sms_gateway",
]


def gateway_from_config(config) -> SmsGateway:
    kind = config.get("PORTAL_SMS", "dev")
    if kind == "dev":
        return DevSmsGateway()
    if kind == "http":
        return HttpSmsGateway(
            config.get("PORTAL_SMS_HTTP_URL"), config.get("PORTAL_SMS_HTTP_TOKEN")
        )
    raise ValueError(f"PORTAL_SMS must be 'dev' or 'http', not {kind!r}")


def init_app(app: Flask) -> None:
    app.extensions["portal.sms"] = gateway_from_config(app.config)


def sms_gateway() -> SmsGateway:
    """The SMS gateway of the running application."""
    return current_app.extensions["portal.sms"]


def sender_id(name: str) -> str:
    """An alphanumeric sender (3–11 ASCII letters or digits, as operators require) from a name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]", "", ascii_name)[:11]
    return cleaned if len(cleaned) >= 3 and re.search(r"[A-Za-z]", cleaned) else "Portail"


def send_sms(to: str, text: str, *, sender: str | None = None) -> str:
    """Normalise ``to``, send ``text`` and return the E.164 number used.

    The sender defaults to the active tenant's name. In a job the gateway's idempotency key is
    the job's (``job-<id>-<n>``) and the SMS is handed over at most once per job, whatever the
    attempt. Raises :class:`InvalidPhoneNumber` or :class:`SmsError`.
    """
    number = normalize_mobile(to)
    if sender is None:
        tenant = _active_tenant()
        sender = sender_id(tenant.name) if tenant is not None else "Portail"
    gateway = sms_gateway()

    def send(identity: str | None) -> None:
        gateway.send(number, str(text), sender, identity or f"sms-{uuid.uuid4().hex}")

    hand_over(send, transactional=gateway.transactional)
    return number


def _active_tenant():
    if has_request_context() and g.get("tenant") is not None:
        return g.tenant
    tenant_id = active_tenant_id()  # a job re-entered its tenant's scope
    return tenant_directory().get(tenant_id) if tenant_id is not None else None
