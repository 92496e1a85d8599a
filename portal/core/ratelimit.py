"""Rate limiting (Flask-Limiter), shared by every web process through Redis when there is one.

Views declare their limits with the decorator::

    from portal.core.ratelimit import limiter, client_ip

    @limiter.limit("20 per minute", key_func=client_ip, methods=["POST"])
    def login(): ...

Storage: Redis when ``PORTAL_REDIS_URL`` is set (keys prefixed with ``PORTAL_REDIS_NAMESPACE``, so
several portals or test runs share a server safely), else the process memory (development: each
process counts on its own). ``RATELIMIT_ENABLED = False`` in the app config turns limits off.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

__all__ = ["client_ip", "init_app", "limiter"]


def client_ip() -> str:
    """The client's address (behind a proxy, deploy ``ProxyFix`` so this is the real one)."""
    return get_remote_address()


limiter = Limiter(key_func=client_ip, headers_enabled=True)


def _setting(app: Flask, key: str, default: str | None = None) -> str | None:
    value = app.config.get(key)
    if value in (None, ""):
        value = os.environ.get(key)
    return value if value not in (None, "") else default


def init_app(app: Flask) -> None:
    redis_url = _setting(app, "PORTAL_REDIS_URL")
    if redis_url:
        from portal.core.jobs import JobsSettings

        namespace = _setting(app, "PORTAL_REDIS_NAMESPACE", "portal")
        timeout = JobsSettings.from_app(app).redis_timeout_seconds  # a hung Redis fails fast
        app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "key_prefix": f"{namespace}:ratelimit",
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
            },
        )
        # Redis unreachable: count in memory rather than refuse every login.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
