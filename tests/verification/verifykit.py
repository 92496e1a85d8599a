"""Helpers of the verification tests: agencies (``portal.testing``'s account factory), CSRF
tokens, small real files, the development mailbox."""

from __future__ import annotations

import html
import io

from sqlalchemy import select

from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import PASSWORD, AccountRef, create_account
from portal.testing.web import csrf_token, logged_in

__all__ = ["PASSWORD", "csrf_token", "logged_in"]


def form_token(client, url: str, base_url: str | None = None) -> str:
    kwargs = {"base_url": base_url} if base_url else {}
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_token(response.get_data(as_text=True))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_agent(
    app, slug: str = "resilimo", email: str = "agence@example.fr", **fields
) -> AccountRef:
    """An agency of ``slug`` held by Camille Durand, with a mobile and an ORIAS number."""
    values = {
        "first_name": "Camille",
        "last_name": "Durand",
        "commercial_name": f"Agence Durand {email.split('@')[0]}",
        "address": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "phone": "+33140000000",
        "mobile": "+33612345678",
        **fields,
    }
    return create_account(app, slug, email, **values)


def emails_to(app, tenant_id: int, address: str) -> list:
    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        return list(
            db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
        )
