"""Helpers of the signer's pages tests: a real PDF with text, a procedure started through the
engine's API, the signer's link and code read from the development mailbox and SMS box as the
signer would read them."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

from sqlalchemy import select, update
from webkit import devbox

from portal.core import clock
from portal.core.tenants import tenant_scope
from portal.extensions import db

OWNER = "signer_pages_test"
SIGNER = ("Camille", "Durand", "camille.durand@example.org", "+33612345678")
SECOND_SIGNER = ("Dominique", "Martin", "dominique.martin@example.org", "+33698765432")
SUCCESS = "Votre lettre de résiliation partira comme prévu le 12 janvier 2027 à AXA France IARD."
BOX_READ = "Je reconnais avoir lu le document et l'accepte sans réserve."
BOX_COPY = "J'accepte de recevoir une copie par e-mail."
LINK = re.compile(r"https?://[^\s\"'<>]+/signature/([A-Za-z0-9_-]+)")
CODE = re.compile(r"\b(\d{6})\b")


@cache
def document_pdf(title: str = "Mandat de résiliation", pages: int = 1) -> bytes:
    """A real PDF with text on ``pages`` A4 pages (WeasyPrint, as the portal's letters)."""
    from weasyprint import HTML

    body = "".join(
        f'<section style="page-break-after: always"><h1>{title}</h1>'
        f"<p>Page {number} — Je soussigné Camille Durand donne mandat pour résilier le contrat "
        "n° 1234567890 auprès d'AXA France IARD.</p></section>"
        for number in range(1, pages + 1)
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def start_procedure(
    app,
    agency,
    *,
    signers=(SIGNER,),
    require_identity_document=False,
    ordered=False,
    hours: float = 72,
    delivery=None,
    boxes=(BOX_READ, (BOX_COPY, False)),
    read_document=True,
    pages: int = 2,
    success_message: str | None = SUCCESS,
    locale: str | None = None,
) -> str:
    """A started procedure of ``agency``: a mandate to sign (``pages`` pages, ``boxes``) and,
    with ``read_document``, general conditions to read; returns its reference."""
    from portal.core.accounts.models import Account
    from portal.core.signatures import operations
    from portal.core.signatures.providers.base import Delivery, DocumentRole

    documents = [
        operations.NewDocument(
            "Mandat de résiliation",
            "mandat-resiliation.pdf",
            document_pdf("Mandat de résiliation", pages),
            acceptance_boxes=tuple(boxes),
        )
    ]
    if read_document:
        documents.append(
            operations.NewDocument(
                "Conditions générales",
                "conditions-generales.pdf",
                document_pdf("Conditions générales", 1),
                role=DocumentRole.READ,
            )
        )
    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        procedure = operations.create_and_start(
            account=account,
            profile=account.holder_profile,
            owner=OWNER,
            title="Résiliation du contrat auto n° 1234567890",
            documents=documents,
            signers=[operations.NewSigner(*signer) for signer in signers],
            deadline=clock.now() + timedelta(hours=hours),
            delivery=delivery or Delivery.REMOTE,
            ordered=ordered,
            require_identity_document=require_identity_document,
            success_message=success_message,
            locale=locale,
        )
        reference = procedure.reference
        db.session.commit()
    return reference


def procedure_of(reference: str):
    from portal.core.signatures.models import SignatureProcedure

    return db.session.scalar(
        select(SignatureProcedure).where(SignatureProcedure.reference == reference)
    )


def token_of(app, tenant_id: int, reference: str, position: int = 1) -> str:
    """The link token of a signer (what their invitation carries)."""
    from portal.core.signatures import operations

    with app.app_context(), tenant_scope(tenant_id):
        signer = procedure_of(reference).signers[position - 1]
        return operations.signer_token(signer)


def emailed_token(app, tenant_id: int, email: str) -> str:
    """The token of the last signature link emailed to ``email`` (the development mailbox)."""
    for message in reversed(devbox(app, tenant_id, "email")):
        if email in message.recipients:
            match = LINK.search(message.body_text)
            if match:
                return match.group(1)
    raise AssertionError(f"no signature link emailed to {email}")


def sms_code(app, tenant_id: int, mobile: str = SIGNER[3]) -> str:
    """The code of the last SMS sent to ``mobile`` (the development SMS box)."""
    for message in reversed(devbox(app, tenant_id, "sms")):
        if mobile in message.recipients.replace(" ", ""):
            match = CODE.search(message.body_text)
            if match:
                return match.group(1)
    raise AssertionError(f"no code sent to {mobile}")


def sms_count(app, tenant_id: int) -> int:
    return len(devbox(app, tenant_id, "sms"))


def move_deadline(app, tenant_id: int, reference: str, hours: float) -> None:
    """Put the deadline ``hours`` from now (negative: past), as time passing would."""
    from portal.core.signatures.models import SignatureProcedure

    with app.app_context(), tenant_scope(tenant_id):
        db.session.execute(
            update(SignatureProcedure)
            .where(SignatureProcedure.reference == reference)
            .values(deadline=clock.now() + timedelta(hours=hours))
        )
        db.session.commit()


def in_procedure(app, tenant_id: int, reference: str, action) -> None:
    """Run ``action(procedure)`` in the tenant's scope and commit (an agent's or a job's act)."""
    with app.app_context(), tenant_scope(tenant_id):
        action(procedure_of(reference))
        db.session.commit()
