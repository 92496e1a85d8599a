"""The HTTP seam of the provider adapters: a tiny session interface (shaped like
``requests.Session.request``, so either fits), its httpx implementation, and ``check``, which
turns a refused call into a ``ProviderError``.

Adapters take a session in their constructor; tests inject one pointed at a local server or a
recording fake, so nothing reaches the network unless a real session is chosen.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from portal.core.signatures.providers.base import ProviderError

# (filename, content, media type)
FileField = tuple[str, bytes, str]

DEFAULT_TIMEOUT = 30.0
# How much of a refused answer's body an error message keeps (for operators; never the request).
ERROR_BODY_CHARS = 300


@dataclass
class HttpResponse:
    status_code: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return jsonlib.loads(self.content or b"null")


class HttpSession(Protocol):
    """What an adapter calls. A transport failure (refused connection, timeout) raises an
    ``OSError``; any HTTP answer, a 4xx, 5xx or 3xx included, is returned as is."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> HttpResponse: ...


def short_body(content: bytes) -> str:
    """The start of an answer's body on one line, for an error message."""
    text = content[:ERROR_BODY_CHARS].decode("utf-8", "replace")
    return " ".join(text.split())


def check(answer: HttpResponse, what: str) -> HttpResponse:
    """``answer`` if it is a 2xx; else ``ProviderError("<what>: HTTP <status> <short body>")``.
    A 3xx is refused too: sessions do not follow redirects."""
    if not 200 <= answer.status_code < 300:
        detail = short_body(answer.content)
        raise ProviderError(f"{what}: HTTP {answer.status_code} {detail}".rstrip())
    return answer


def _safe_name(value: str) -> str:
    """A name without the characters that would break a quoted multipart header parameter
    (httpx would percent-encode them; the providers expect a readable file name)."""
    return value.replace("\\", "_").replace('"', "_").replace("\r", " ").replace("\n", " ")


class HttpxSession:
    """``HttpSession`` on httpx: a pooled client that never follows redirects (a redirect would
    resend the bearer token to another host), with a timeout on every call. Transport failures
    become ``ConnectionError`` / ``TimeoutError`` (both ``OSError``), as with ``requests``."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, transport=None):
        import httpx

        self._client = httpx.Client(
            follow_redirects=False, timeout=timeout, transport=transport, trust_env=True
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpxSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileField] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> HttpResponse:
        import httpx

        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url!r}")
        kwargs: dict[str, Any] = {"headers": dict(headers or {}), "timeout": timeout}
        if files:
            kwargs["data"] = {_safe_name(k): str(v) for k, v in (data or {}).items()}
            kwargs["files"] = {
                _safe_name(name): (_safe_name(filename), content, media_type)
                for name, (filename, content, media_type) in files.items()
            }
        elif json is not None:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = dict(data)
        try:
            answer = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{method} {_where(url)}: timed out") from exc
        except httpx.TransportError as exc:
            raise ConnectionError(f"{method} {_where(url)}: {exc.__class__.__name__}") from exc
        return HttpResponse(answer.status_code, answer.content, dict(answer.headers))


def _where(url: str) -> str:
    """The URL without its query (which could carry a secret) for a message."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
