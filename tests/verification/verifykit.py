"""Helpers of the verification tests: agencies (``portal.testing``'s account factory), CSRF
tokens, small real files, the development mailbox."""

from __future__ import annotations

import io

from sqlalchemy import select
from webkit import PDF_BYTES, png_bytes, text_of

from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import PASSWORD, AccountRef, create_account
from portal.testing.web import csrf_token, logged_in

__all__ = ["PASSWORD", "PDF_BYTES", "csrf_token", "logged_in", "png_bytes", "text_of"]


def form_token(client, url: str, base_url: str | None = None) -> str:
    kwargs = {"base_url": base_url} if base_url else {}
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_token(response.get_data(as_text=True))


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()


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
