"""The back office's own files: its favicon and its stylesheet (served from this package, so the
back office looks the same whatever the tenants' themes do)."""

from __future__ import annotations

from pathlib import Path

from flask import send_file

from portal.core.web.pipeline import Access, handler

STATIC = Path(__file__).parent.parent / "static"
ONE_DAY = 24 * 3600


def _send(name: str, mimetype: str):
    response = send_file(STATIC / name, mimetype=mimetype, max_age=ONE_DAY, conditional=True)
    response.cache_control.public = True
    return response


@handler(Access.ANONYMOUS)
def favicon():
    return _send("favicon.svg", "image/svg+xml")


@handler(Access.ANONYMOUS)
def stylesheet():
    return _send("backoffice.css", "text/css")
