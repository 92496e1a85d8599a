"""The audit trail (« dossier de preuve ») of a procedure: a sealed French A4 PDF naming the
account, each signer with their masked mobile, every event with its time (Paris), IP and
browser, each document's SHA-256 before and after signing and the ticked boxes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from portal.core.signatures import sealing
from portal.core.signatures.models import (
    ProcedureSigner,
    ProcedureState,
    SignatureAcceptanceBox,
    SignatureDocument,
    SignatureProcedure,
    SignerEvent,
    SignerState,
)
from portal.core.signatures.providers.base import Delivery, DocumentRole
from portal.extensions import db

T0 = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 14:00 in Paris
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"
SHA_ORIGINAL = hashlib.sha256(b"original").hexdigest()
SHA_AFTER_1 = hashlib.sha256(b"after camille").hexdigest()
SHA_AFTER_2 = hashlib.sha256(b"after dominique").hexdigest()


def pdftotext(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    path = tmp_path / "trail.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=30
    ).stdout
    return " ".join(text.split())  # one line: table cells wrap where they like


@pytest.fixture
def signed_procedure(make_account, in_tenant, tenant_ids):
    """A two-signer procedure as the engine leaves it once both signed."""
    account = make_account("resilimo", commercial_name="Agence Fournier Assurances")
    with in_tenant("resilimo"):
        procedure = SignatureProcedure(
            tenant_id=tenant_ids["resilimo"],
            reference=f"SIG-{uuid.uuid4().hex[:10].upper()}",
            account_id=account.id,
            profile_id=account.holder_profile_id,
            owner="resiliation",
            title="Mandat de résiliation — contrat AUTO-123",
            state=ProcedureState.SIGNED,
            delivery=Delivery.REMOTE,
            ordered=True,
            require_identity_document=False,
            deadline=T0 + timedelta(days=5),
            created_at=T0,
            started_at=T0 + timedelta(minutes=1),
            completed_at=T0 + timedelta(minutes=40),
        )
        mandate = SignatureDocument(
            tenant_id=procedure.tenant_id,
            position=1,
            role=DocumentRole.SIGN,
            title="Mandat de résiliation",
            filename="mandat.pdf",
            storage_key="tenants/x/mandat.pdf",
            sha256=SHA_ORIGINAL,
            page_count=2,
            signed_storage_key="tenants/x/mandat-2.pdf",
            signed_sha256=SHA_AFTER_2,
        )
        conditions = SignatureDocument(
            tenant_id=procedure.tenant_id,
            position=2,
            role=DocumentRole.READ,
            title="Conditions générales",
            filename="cg.pdf",
            storage_key="tenants/x/cg.pdf",
            sha256=hashlib.sha256(b"cg").hexdigest(),
            page_count=4,
        )
        read_box = SignatureAcceptanceBox(
            tenant_id=procedure.tenant_id,
            position=1,
            label="J'ai lu le mandat et je l'accepte.",
            required=True,
        )
        copy_box = SignatureAcceptanceBox(
            tenant_id=procedure.tenant_id,
            position=2,
            label="J'accepte de recevoir une copie par courriel.",
            required=False,
        )
        mandate.acceptance_boxes = [read_box, copy_box]
        procedure.documents = [mandate, conditions]
        camille = _signer(procedure, 1, "Camille", "Durand", "+33612345678", T0, BROWSER)
        dominique = _signer(procedure, 2, "Dominique", "Martin", "+262692123456", T0, "Firefox")
        procedure.signers = [camille, dominique]
        db.session.add(procedure)
        db.session.flush()
        camille.accepted_box_ids = [read_box.id, copy_box.id]
        dominique.accepted_box_ids = [read_box.id]

        def event(kind, signer=None, minutes=0, ip=None, ua=None, **details):
            db.session.add(
                SignerEvent(
                    tenant_id=procedure.tenant_id,
                    procedure=procedure,
                    signer=signer,
                    kind=kind,
                    at=T0 + timedelta(minutes=minutes, seconds=7),
                    ip=ip,
                    user_agent=ua,
                    details=details,
                )
            )

        event("created")
        event("started", minutes=1)
        event("invited", camille, 1, delivery="remote")
        event("opened", camille, 10, "203.0.113.7", BROWSER)
        event("boxes_accepted", camille, 11, document=1, boxes=[read_box.id, copy_box.id])
        event("code_sent", camille, 12, mobile="+33 6 •• •• •• 78")
        event("code_failed", camille, 13, tries_left=4)
        signed_docs = [{"document": 1, "sha256_before": SHA_ORIGINAL, "sha256_after": SHA_AFTER_1}]
        event("signed", camille, 14, "203.0.113.7", BROWSER, documents=signed_docs)
        event("invited", dominique, 14, delivery="remote")
        event("opened", dominique, 30, "198.51.100.23", "Firefox")
        second = [{"document": 1, "sha256_before": SHA_AFTER_1, "sha256_after": SHA_AFTER_2}]
        event("signed", dominique, 40, "198.51.100.23", "Firefox", documents=second)
        event("completed", minutes=40)
        db.session.commit()
        yield procedure


def _signer(procedure, position, first, last, mobile, t0, browser) -> ProcedureSigner:
    return ProcedureSigner(
        tenant_id=procedure.tenant_id,
        position=position,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@example.org",
        mobile=mobile,
        state=SignerState.SIGNED,
        link_nonce=uuid.uuid4().hex,
        token_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        invited_at=t0 + timedelta(minutes=1),
        opened_at=t0 + timedelta(minutes=10 if position == 1 else 30),
        signed_at=t0 + timedelta(minutes=14 if position == 1 else 40),
        ip="203.0.113.7" if position == 1 else "198.51.100.23",
        user_agent=browser,
        accepted_box_ids=[],
    )


def test_the_audit_trail_tells_who_signed_what_when_and_from_where(signed_procedure, tmp_path):
    pdf = sealing.render_audit_trail(signed_procedure)
    text = pdftotext(pdf, tmp_path)

    assert "Dossier de preuve de signature électronique" in text
    assert signed_procedure.reference in text
    assert "Mandat de résiliation — contrat AUTO-123" in text
    assert "Agence Fournier Assurances" in text
    # Times in Paris (UTC+1 in December), with seconds in the history.
    assert "5 décembre 2026 à 14:00:00" in text  # created
    assert "05/12/2026 14:12:07" in text  # the code sent
    # Signers: email, masked mobile (a Réunion number too), IP and browser.
    assert "camille.durand@example.org" in text
    assert "+33 6 •• •• •• 78" in text
    assert "+262 6 •• •• •• 56" in text
    assert "203.0.113.7" in text and "198.51.100.23" in text
    assert "iPhone OS 18_1" in text
    assert "Code de signature envoyé par SMS" in text
    assert "4 essais restants" in text
    # Hashes before and after signing, as the engine recorded them.
    assert SHA_ORIGINAL in text.replace(" ", "")
    assert SHA_AFTER_2 in text.replace(" ", "")
    assert "J'ai lu le mandat et je l'accepte." in text
    assert "cochée par Camille Durand, Dominique Martin" in text
    assert "copie par courriel. » (facultative) — cochée par Camille Durand" in text
    assert "Conditions générales" in text and "À lire" in text


def test_the_audit_trail_is_a_sealed_a4_pdf(signed_procedure, tmp_path):
    pdf = sealing.render_audit_trail(signed_procedure)

    reader = PdfReader(BytesIO(pdf))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)
    [check] = sealing.validate_pdf(pdf)
    assert check.ok
    assert check.field_name == "DossierDePreuve"
    assert check.signer_name == "Résilimo SAS" or check.signer_name  # the tenant's legal entity
    assert signed_procedure.reference in (check.reason or "")
    text = pdftotext(pdf, tmp_path)
    assert f"Signé électroniquement par {check.signer_name}" in text

    tampered = bytearray(pdf)
    tampered[tampered.index(b"\n") + 2] ^= 0x01
    assert not sealing.validate_pdf(bytes(tampered))[0].intact
