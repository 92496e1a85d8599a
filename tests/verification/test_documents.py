"""Uploading a professional identity document: the type is judged by content, the size is
bounded, a refused file changes nothing, and only the account sees its own files."""

from __future__ import annotations

import io
import re

from sqlalchemy import select
from uploadkit import compressed_pdf, image_carrying
from verifykit import (
    PDF_BYTES,
    form_token,
    jpeg_bytes,
    logged_in,
    make_agent,
    png_bytes,
    text_of,
)

from portal.core.antivirus.dev import EICAR
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.core.verification.models import DocumentKind, DocumentStatus, ProfessionalDocument
from portal.extensions import db

URL = "/compte/verification/justificatifs"


def _upload(client, data: bytes, filename: str, kind: str = "orias_certificate"):
    token = form_token(client, URL)
    return client.post(
        URL,
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _documents(app, agent) -> list[ProfessionalDocument]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        rows = db.session.scalars(
            select(ProfessionalDocument).where(ProfessionalDocument.account_id == agent.id)
        ).all()
        db.session.expunge_all()
        return rows


def test_the_page_asks_for_the_orias_certificate_or_statutes(agent_client):
    page = text_of(agent_client.get(URL))
    assert "Justificatif d'identité professionnelle" in page
    assert "Attestation d'immatriculation ORIAS (intermédiaire)" in page
    assert "Statuts (mutuelle ou société)" in page
    assert "Vous n'avez encore envoyé aucun justificatif." in page


def test_a_pdf_is_stored_pending_and_listed(app, agent, agent_client):
    response = _upload(agent_client, PDF_BYTES, "attestation-orias.pdf")
    assert response.status_code == 302
    page = text_of(agent_client.get(URL))
    assert "attestation-orias.pdf" in page
    assert "En attente de vérification" in page
    (document,) = _documents(app, agent)
    assert document.status == DocumentStatus.PENDING
    assert document.kind == DocumentKind.ORIAS_CERTIFICATE
    assert document.content_type == "application/pdf"
    assert document.storage_key.startswith(
        f"tenants/{agent.tenant_id}/accounts/{agent.id}/documents/"
    )
    assert document.storage_key.endswith(".pdf")
    with app.app_context():
        assert storage().read(document.storage_key) == PDF_BYTES


def test_a_png_named_pdf_is_accepted_as_a_png(app, agent, agent_client):
    image = png_bytes()
    assert _upload(agent_client, image, "statuts.pdf", kind="statutes").status_code == 302
    (document,) = _documents(app, agent)
    assert document.content_type == "image/png"
    assert document.filename == "statuts.png"
    assert document.storage_key.endswith(".png")
    download = agent_client.get(f"{URL}/{document.id}")
    assert download.status_code == 200
    assert download.data == image
    assert download.headers["Content-Type"] == "image/png"
    assert "statuts.png" in download.headers["Content-Disposition"]


def test_a_jpeg_is_accepted(app, agent, agent_client):
    assert _upload(agent_client, jpeg_bytes(), "kbis.jpeg", kind="kbis").status_code == 302
    (document,) = _documents(app, agent)
    assert document.content_type == "image/jpeg"


def test_a_program_renamed_pdf_is_refused_next_to_the_field_and_the_choice_is_kept(
    app, agent, agent_client
):
    response = _upload(agent_client, b"MZ\x90\x00" + b"\x00" * 200, "attestation.pdf", "kbis")
    assert response.status_code == 200
    page = text_of(response)
    assert "Ce fichier n'est pas un PDF, une image JPEG ou PNG lisible." in page
    assert 'id="file-error"' in page  # next to the field, tied to it
    assert '<option selected value="kbis">' in page  # what was chosen stays chosen
    assert _documents(app, agent) == []


def test_a_fake_png_header_is_refused(app, agent, agent_client):
    response = _upload(agent_client, b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "scan.png")
    assert "Ce fichier n'est pas un PDF, une image JPEG ou PNG lisible." in text_of(response)
    assert _documents(app, agent) == []


def test_a_file_over_10_mb_is_too_large_next_to_the_field_and_the_choice_is_kept(
    app, agent, agent_client
):
    big = PDF_BYTES[:-7] + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    response = _upload(agent_client, big, "gros.pdf", kind="statutes")
    page = text_of(response)
    assert "Le fichier est trop volumineux : 10 Mo au maximum." in page
    assert 'id="file-error"' in page
    assert '<option selected value="statutes">' in page
    assert _documents(app, agent) == []


def test_a_file_far_over_the_limit_is_too_large_next_to_the_field_too(app, agent, agent_client):
    """70 MB: the request is not refused whole; the form comes back with its choice kept."""
    huge = PDF_BYTES[:-7] + b"0" * (70 * 1024 * 1024) + b"\n%%EOF\n"
    response = _upload(agent_client, huge, "scan-complet.pdf", kind="statutes")
    page = text_of(response)
    assert response.status_code == 200
    assert "Le fichier est trop volumineux : 10 Mo au maximum." in page
    assert '<option selected value="statutes">' in page
    assert _documents(app, agent) == []


def test_a_pdf_running_a_script_or_a_file_with_a_virus_is_refused_next_to_the_field(
    app, agent, agent_client
):
    scripted = compressed_pdf(b"/OpenAction 5 0 R", b"<</S/JavaScript/JS(app.alert(1))>>")
    for data, name, problem in (
        (scripted, "attestation.pdf", "Ce PDF contient du contenu actif"),
        (image_carrying(EICAR), "kbis.png", "Ce fichier contient un virus"),
    ):
        page = text_of(_upload(agent_client, data, name, kind="kbis"))
        assert re.search(rf'<p class="error" id="file-error">{problem}', page), name
        assert '<option selected value="kbis">' in page
    assert _documents(app, agent) == []


def test_a_refused_upload_leaves_the_existing_documents_intact(app, agent, agent_client):
    assert _upload(agent_client, PDF_BYTES, "premier.pdf").status_code == 302
    before = _documents(app, agent)
    response = _upload(agent_client, b"plain text, not a document", "second.pdf")
    assert response.status_code == 200
    after = _documents(app, agent)
    assert [(d.id, d.status, d.storage_key) for d in after] == [
        (d.id, d.status, d.storage_key) for d in before
    ]
    assert "premier.pdf" in text_of(response)  # still listed under the form
    with app.app_context():
        assert storage().read(after[0].storage_key) == PDF_BYTES


def test_a_missing_file_is_asked_for(agent_client):
    token = form_token(agent_client, URL)
    response = agent_client.post(URL, data={"csrf_token": token, "kind": "kbis"})
    assert "Choisissez le fichier à envoyer." in text_of(response)


def test_a_collaborator_may_upload_too(app, client_for, agent, make_profile):
    collaborator_id = make_profile(agent, name="Dominique Martin")
    client = logged_in(client_for, agent, collaborator_id)
    assert _upload(client, PDF_BYTES, "orias.pdf").status_code == 302
    (document,) = _documents(app, agent)
    assert document.uploaded_by_profile_id == collaborator_id


def test_another_accounts_document_is_not_found(app, tenant_ids, client_for, agent, agent_client):
    assert _upload(agent_client, PDF_BYTES, "orias.pdf").status_code == 302
    (document,) = _documents(app, agent)
    neighbour = make_agent(app, email="voisin@example.fr")
    foreigner = make_agent(app, slug="msr", email="ailleurs@example.fr")
    for other in (neighbour, foreigner):
        client = logged_in(client_for, other)
        assert client.get(f"{URL}/{document.id}").status_code == 404
        assert "orias.pdf" not in text_of(client.get(URL))
    assert agent_client.get(f"{URL}/{document.id}").status_code == 200


def test_the_page_needs_a_login(client_for):
    response = client_for("resilimo").get(URL)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
