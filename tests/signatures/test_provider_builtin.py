"""The built-in engine behind the provider interface: a request created, activated (links for
every signer), reported and cancelled, on the engine's own procedure."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.signatures.providers import provider_from_config
from portal.core.signatures.providers.base import (
    AcceptanceBox,
    Delivery,
    Document,
    DocumentRole,
    ProviderError,
    RequestStatus,
    SignatureRequest,
    SignatureSpot,
    Signer,
)
from portal.extensions import db


def blank_pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mandate_request(delivery=Delivery.IN_PERSON) -> SignatureRequest:
    camille = Signer("camille", "Camille", "Durand", "camille@example.org", "+33612345678")
    dominique = Signer("dominique", "Dominique", "Martin", "dominique@example.org", "+33698765432")
    return SignatureRequest(
        reference="ignored-by-the-engine",
        name="Mandat de résiliation — contrat AUTO-123",
        deadline=clock.now() + timedelta(days=7),
        signers=(camille, dominique),
        documents=(
            Document(
                "mandate",
                "mandat.pdf",
                blank_pdf(2),
                spots=(
                    SignatureSpot("camille", 2, 60, 680),
                    SignatureSpot("dominique", 2, 320, 680),
                ),
                acceptance_boxes=(
                    AcceptanceBox("read", "J'ai lu le mandat et je l'accepte."),
                    AcceptanceBox("copy", "Je veux une copie par courriel.", required=False),
                ),
            ),
            Document("conditions", "conditions-generales.pdf", blank_pdf(), role=DocumentRole.READ),
        ),
        ordered=True,
        delivery=delivery,
    )


def procedure_by(reference):
    from portal.core.signatures.models import SignatureProcedure

    return db.session.scalar(
        select(SignatureProcedure).where(SignatureProcedure.reference == reference)
    )


def test_round_trip(app, in_tenant, make_account):
    from portal.core.signatures.models import ProcedureOutcome

    account = make_account("resilimo")
    with in_tenant("resilimo"):
        provider = provider_from_config({}, account=account, owner="tests")
        created = provider.create(mandate_request())
        procedure = procedure_by(created.provider_id)
        assert created.provider_id.startswith("SIG-") and procedure.owner == "tests"
        assert procedure.ordered and procedure.delivery == Delivery.IN_PERSON
        assert [d.title for d in procedure.documents] == ["mandat", "conditions-generales"]
        mandate = procedure.documents[0]
        assert [(b.label, b.required) for b in mandate.acceptance_boxes] == [
            ("J'ai lu le mandat et je l'accepte.", True),
            ("Je veux une copie par courriel.", False),
        ]
        assert created.signer_ids == {
            "camille": str(procedure.signers[0].id),
            "dominique": str(procedure.signers[1].id),
        }
        assert created.document_ids == {
            "mandate": str(mandate.id),
            "conditions": str(procedure.documents[1].id),
        }
        assert provider.status(created.provider_id).status is RequestStatus.CREATED

        links = provider.activate(created.provider_id)
        assert set(links) == set(created.signer_ids.values())
        assert all("/signature/" in link for link in links.values())
        report = provider.status(created.provider_id)
        assert (report.status, report.provider_status) == (RequestStatus.ONGOING, "ongoing")
        assert report.signer_statuses == {
            created.signer_ids["camille"]: "invited",  # ordered: the first one's turn
            created.signer_ids["dominique"]: "waiting",
        }
        with pytest.raises(ProviderError, match="not signed"):
            provider.signed_documents(created.provider_id)
        with pytest.raises(ProviderError, match="no audit trail"):
            provider.audit_trail(created.provider_id, created.signer_ids["camille"])

        provider.cancel(created.provider_id, "Le client a changé d'avis.")
        assert provider.status(created.provider_id).status is RequestStatus.CANCELLED
        assert procedure.cancel_reason == "Le client a changé d'avis."
        db.session.commit()
        outcomes = db.session.scalars(
            select(ProcedureOutcome.outcome).where(ProcedureOutcome.procedure_id == procedure.id)
        ).all()
        assert outcomes == ["cancelled"]


def test_another_tenants_procedure_is_unknown(app, in_tenant, make_account):
    account = make_account("resilimo")
    with in_tenant("resilimo"):
        created = provider_from_config({}, account=account, owner="tests").create(mandate_request())
        db.session.commit()
    with in_tenant("msr"), pytest.raises(ProviderError, match="no signature procedure"):
        provider_from_config({}).status(created.provider_id)


def test_the_engines_refusal_reaches_the_caller(app, in_tenant, make_account):
    from portal.core.signatures.errors import InvalidProcedure

    account = make_account("resilimo")
    request = mandate_request()
    unreadable = Document("mandate", "mandat.pdf", b"not a pdf", spots=request.documents[0].spots)
    with in_tenant("resilimo"), pytest.raises(InvalidProcedure):
        provider_from_config({}, account=account, owner="tests").create(
            SignatureRequest(
                reference="x",
                name=request.name,
                deadline=request.deadline,
                signers=request.signers,
                documents=(unreadable,),
            )
        )


def test_signed_documents_and_audit_trail_once_signed(app, in_tenant, make_account, tenant_ids):
    """Signed through the engine (the code read from the development SMS box): the provider
    hands back the sealed PDF and the sealed audit trail."""
    import re

    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain
    from portal.core.signatures import operations

    account = make_account("resilimo")
    camille = Signer("camille", "Camille", "Durand", "camille@example.org", "+33612345678")
    request = SignatureRequest(
        reference="x",
        name="Mandat de résiliation",
        deadline=clock.now() + timedelta(days=7),
        signers=(camille,),
        documents=(
            Document(
                "mandate", "mandat.pdf", blank_pdf(), spots=(SignatureSpot("camille", 1, 0, 0),)
            ),
        ),
        delivery=Delivery.IN_PERSON,
    )
    with in_tenant("resilimo"):
        provider = provider_from_config({}, account=account, owner="tests")
        created = provider.create(request)
        provider.activate(created.provider_id)
        signer = procedure_by(created.provider_id).signers[0]
        operations.send_code(signer)
        db.session.commit()
    drain(app)
    with in_tenant("resilimo"):
        texts = db.session.scalars(
            select(DevboxMessage.body_text)
            .where(DevboxMessage.kind == "sms")
            .order_by(DevboxMessage.id.desc())
        ).all()
        code = next(m.group(1) for t in texts if (m := re.search(r"\b(\d{6})\b", t)))
        signer = procedure_by(created.provider_id).signers[0]
        operations.sign(signer, code, ip="192.0.2.1", user_agent="pytest")
        db.session.commit()
        assert provider.status(created.provider_id).status is RequestStatus.SIGNED
        [signed] = provider.signed_documents(created.provider_id)
        assert signed.filename == "mandat.pdf" and signed.content.startswith(b"%PDF-")
        assert b"/ByteRange" in signed.content  # a PDF signature
        trail = provider.audit_trail(created.provider_id, created.signer_ids["camille"])
        assert trail.filename == f"audit-trail-{created.provider_id}.pdf"
        assert trail.content.startswith(b"%PDF-") and b"/ByteRange" in trail.content
        with pytest.raises(ProviderError, match="no signer"):
            provider.audit_trail(created.provider_id, "0")
