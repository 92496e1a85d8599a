"""A generic HTTP SMS gateway (``PORTAL_SMS=http``): one JSON POST per message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from portal.core.sms.gateway import SmsError, SmsGateway


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would resend the bearer token to another address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class HttpSmsGateway(SmsGateway):
    """POSTs ``{"to", "text", "sender"}`` to ``url`` with ``Authorization: Bearer <token>`` and
    ``Idempotency-Key: <key>``, so a gateway receiving the same SMS twice sends it once."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 10):
        if not url or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"PORTAL_SMS_HTTP_URL must be an http(s) URL, not {url!r}")
        self.url = url
        self.token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<HttpSmsGateway {self.url}>"

    def send(self, to: str, text: str, sender: str, key: str) -> None:
        body = json.dumps({"to": to, "text": text, "sender": sender}).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # The scheme is checked in __init__: only http(s) reaches urllib.
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise SmsError(f"SMS gateway answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway {self.url} unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered HTTP {status}")
