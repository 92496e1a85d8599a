"""The HTTP seam of the provider adapters: a tiny session interface (shaped like
``requests.Session.request`` so either fits) and a standard-library implementation.
Tests inject a fake session; nothing here is called without one being chosen."""

from __future__ import annotations

import json as jsonlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

# (filename, content, media type)
FileField = tuple[str, bytes, str]


@dataclass
class HttpResponse:
    status_code: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return jsonlib.loads(self.content or b"null")


class HttpSession(Protocol):
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
        timeout: float = 30,
    ) -> HttpResponse: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would resend the bearer token elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _quoted(value: str) -> str:
    """A value safe inside a quoted header parameter."""
    return value.replace("\\", "_").replace('"', "_").replace("\r", " ").replace("\n", " ")


def _multipart(data: Mapping[str, str], files: Mapping[str, FileField]) -> tuple[bytes, str]:
    boundary = "portal-" + secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in data.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'
        parts.append(head.encode() + str(value).encode() + b"\r\n")
    for name, (filename, content, media_type) in files.items():
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{_quoted(name)}"; '
            f'filename="{_quoted(filename)}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class UrllibSession:
    """``HttpSession`` on ``urllib`` (no extra dependency). Never follows redirects; a non-2xx
    answer is returned as is, the adapter decides."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
        timeout: float = 30,
    ) -> HttpResponse:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url!r}")
        all_headers = dict(headers or {})
        body: bytes | None = None
        if files:
            body, all_headers["Content-Type"] = _multipart(data or {}, files)
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers["Content-Type"] = "application/json"
        # The scheme is checked above: only http(s) reaches urllib.
        req = urllib.request.Request(url, data=body, headers=all_headers, method=method)  # noqa: S310
        try:
            with self._opener.open(req, timeout=timeout) as answer:
                return HttpResponse(answer.status, answer.read(), dict(answer.headers))
        except urllib.error.HTTPError as exc:
            return HttpResponse(exc.code, exc.read(), dict(exc.headers or {}))
