"""How an operator's callback reaches the portal: ``POST /_operators/<channel>/<operator>/callback``
on the tenant's own host (:mod:`.views`). The sandboxes send theirs with :func:`post_callback`:

* ``PORTAL_OPERATOR_CALLBACKS="inprocess"`` (default): the request goes through the running
  app's whole WSGI stack in-process, on the tenant's host (tenant resolution, pipeline, CSRF
  exemption, the route): a real request without a network;
* ``"http"``: an httpx POST to the tenant's base URL (a sandbox in another process).

Call it outside a transaction that holds the SQLite write lock (the callback's request writes
in a session of its own)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, url_for

from portal.core.sendings.operators.base import Channel

log = logging.getLogger(__name__)

SETTING = "PORTAL_OPERATOR_CALLBACKS"


def callback_path(channel: Channel | str, operator_name: str) -> str:
    with current_app.test_request_context("/"):
        return url_for(
            "sendings.operator_callback", channel=Channel(channel).value, operator=operator_name
        )


def callback_url(tenant_id: int, channel: Channel | str, operator_name: str) -> str:
    """The absolute URL of the callback on the tenant's host."""
    from portal.core.mail.rendering import tenant_base_url
    from portal.core.tenants import tenant_directory

    tenant = tenant_directory().get(tenant_id)
    return tenant_base_url(tenant).rstrip("/") + callback_path(channel, operator_name)


def post_callback(
    tenant_id: int,
    channel: Channel | str,
    operator_name: str,
    body: bytes,
    headers: dict,
) -> int:
    """Deliver a callback to the tenant's route; returns the HTTP status (200: applied or
    already known; 4xx: refused; 5xx: to be sent again)."""
    url = callback_url(tenant_id, channel, operator_name)
    mode = current_app.config.get(SETTING) or "inprocess"
    if mode == "http":
        import httpx

        response = httpx.post(url, content=body, headers=headers, timeout=10.0)
        return response.status_code
    parts = urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}"
    app = current_app._get_current_object()
    # An app context of its own, as a request from outside has: its own database session, whose
    # commit is the request's, never the caller's (a request reuses an active app context).
    with app.app_context(), app.test_client() as client:
        response = client.post(parts.path, data=body, headers=headers, base_url=base_url)
    if response.status_code >= 400:
        log.warning("operator callback %s answered %s", url, response.status_code)
    return response.status_code
