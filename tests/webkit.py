"""Helpers shared by the tests that drive tenant pages: small real files, page text, the
development mailbox (sessions and forms: ``portal.testing.web``)."""

from __future__ import annotations

import html
import io

from sqlalchemy import select

from portal.core.tenants import tenant_scope
from portal.extensions import db


def blank_pdf() -> bytes:
    """A real one-page PDF, readable by every upload check (cross-reference table included)."""
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


PDF_BYTES = blank_pdf()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def location(response) -> str:
    return response.headers["Location"]


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


class SmtpRecorder:
    """An aiosmtpd handler standing for an SMTP relay: it accepts every message and keeps it."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"
