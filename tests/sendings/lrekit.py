"""Helpers of the sandbox LRE operator's tests: a letter handed over through the configured
operator, the development mailbox, the operator's own rows and a proof's text."""

from __future__ import annotations

import io
import re
import uuid

from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core.jobs import drain
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import Channel, Handover, OutgoingDocument, Party
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

SENDER = Party(
    name="Jean Fournier", email="jean.fournier@agence-fournier.fr", company="Agence Fournier"
)
RECIPIENT_NAME = "Élodie Martin"


def handover(email: str, *, delivery_id: str | None = None, identified=False, **options):
    return Handover(
        delivery_id=delivery_id or "ENV-" + uuid.uuid4().hex[:16],
        channel=Channel.LRE,
        sender=Party(**{**SENDER.__dict__, "identified": identified}),
        recipient=Party(name=RECIPIENT_NAME, email=email, identified=identified),
        documents=(OutgoingDocument("resiliation.pdf", PDF_BYTES),),
        options=options,
    )


def hand_over(app, tenant_id: int, letter: Handover) -> str:
    """Hand ``letter`` to the configured LRE operator in the tenant's scope; its reference."""
    with app.app_context(), tenant_scope(tenant_id):
        accepted = operator_for(Channel.LRE).hand_over(letter)
        db.session.commit()
    drain(app)
    return accepted.operator_ref


def events(app, tenant_id: int, reference: str):
    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        return operator_for(Channel.LRE).events(reference)


def codes(app, tenant_id: int, reference: str) -> list[str]:
    return [event.code for event in events(app, tenant_id, reference)]


def mails_to(app, tenant_id: int, address: str) -> list:
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = list(
            db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def link_in(message) -> str:
    """The recipient page's path in an operator's notification."""
    return re.search(r"https?://[^/\s]+(/_sandbox/lre/[\w-]+)", message.body_text).group(1)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (no tenant, unscoped), then what it queued."""
    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)
