"""Helpers shared by the tests that drive tenant pages: a session without the login page, forms
posted with their CSRF token, small real files, the development mailbox."""

from __future__ import annotations

import html
import io
import re
import time

from sqlalchemy import select

from portal.core.tenants import tenant_scope
from portal.extensions import db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def log_in(client_for, slug: str, account_id: int, profile_id: int, session_version: int = 1):
    """A client on ``slug``'s host, logged in to the account with the profile chosen."""
    client = client_for(slug)
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["_user_id"] = f"{account_id}:{session_version}"
        session["_fresh"] = True
        session["profile_id"] = profile_id
        session["last_seen"] = time.time()
    return client


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no csrf_token in the page"
    return match.group(1)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def location(response) -> str:
    return response.headers["Location"]


def post(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """Open ``page_url`` (for its CSRF token), then post ``data`` to ``action`` (or the page)."""
    response = client.get(page_url)
    assert response.status_code == 200, (page_url, response.status_code)
    token = csrf_token(response.get_data(as_text=True))
    return client.post(action or page_url, data={"csrf_token": token, **data}, **kwargs)


def devbox(app, tenant_id: int, kind: str) -> list:
    """The emails or SMS of the development mailbox, once every queued job has run."""
    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = list(
            db.session.scalars(
                select(DevboxMessage).where(DevboxMessage.kind == kind).order_by(DevboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows
