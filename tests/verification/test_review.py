"""The operators' review queue: pending documents of every tenant, approve with an expiry date
or reject with a reason; the holder is emailed and sees the outcome; each decision is audited."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select
from verifykit import (
    PDF_BYTES,
    csrf_token,
    emails_to,
    form_token,
    logged_in,
    make_agent,
    png_bytes,
    text_of,
)

from portal.core.audit import AuditEntry
from portal.core.tenants import unscoped
from portal.core.verification.models import DocumentStatus, ProfessionalDocument
from portal.core.verification.rules import add_months
from portal.extensions import db

DOCS = "/compte/verification/justificatifs"
QUEUE = "/backoffice/justificatifs"


def _upload(client, data=PDF_BYTES, filename="orias.pdf", kind="orias_certificate") -> None:
    token = form_token(client, DOCS)
    response = client.post(
        DOCS,
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def _store(app, agent, data: bytes, filename: str) -> None:
    """A fund's statutes stored as the upload page would, for a tenant without that page."""
    from portal.core.accounts.models import Account, Profile
    from portal.core.tenants import tenant_scope
    from portal.core.verification.documents import upload_document
    from portal.core.verification.models import DocumentKind

    with app.test_request_context(), tenant_scope(agent.tenant_id):
        account = db.session.get(Account, agent.id)
        holder = db.session.get(Profile, agent.holder_profile_id)
        upload_document(account, holder, DocumentKind.STATUTES, io.BytesIO(data), filename)
        db.session.commit()


def _document_ids(app) -> list[int]:
    with app.app_context(), unscoped():
        return list(
            db.session.scalars(select(ProfessionalDocument.id).order_by(ProfessionalDocument.id))
        )


def _document(app, document_id) -> ProfessionalDocument:
    with app.app_context(), unscoped():
        document = db.session.get(ProfessionalDocument, document_id)
        db.session.expunge(document)
        return document


def _audit(app, action: str, document_id: int) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.target_id == document_id
                )
            )
        )


@pytest.fixture
def two_uploads(app, tenant_ids, client_for):
    """A resilimo agent's PDF first, then an msr agent's PNG."""
    first = make_agent(app, email="premier@example.fr")
    _upload(logged_in(client_for, first))
    second = make_agent(app, slug="msr", email="second@example.fr", orias=None)
    # msr's account area has no upload page (a member space sends nothing: 404): stored directly.
    _store(app, second, png_bytes(), "statuts.png")
    first_id, second_id = _document_ids(app)
    return {"first": (first, first_id), "second": (second, second_id)}


@pytest.fixture
def staff(staff_client):
    client, operator = staff_client()
    client.staff_id = operator.id
    return client


def test_the_queue_lists_pending_documents_of_every_tenant_oldest_first(staff, two_uploads):
    page = text_of(staff.get(QUEUE))
    assert "Justificatifs à vérifier" in page
    assert "Résilimo" in page and "Mutualité Sociale Rurale" in page
    assert "premier@example.fr" in page and "second@example.fr" in page
    assert page.index("premier@example.fr") < page.index("second@example.fr")
    assert "Attestation d'immatriculation ORIAS (intermédiaire)" in page
    assert "Statuts (mutuelle ou société)" in page


def test_the_queue_is_for_staff_only_and_only_on_the_back_office_host(
    client_for, two_uploads, agent_client
):
    anonymous = client_for("backoffice.localhost")
    response = anonymous.get(QUEUE)
    assert response.status_code == 302 and "/backoffice/connexion" in response.headers["Location"]
    assert agent_client.get(QUEUE).status_code == 404  # a tenant host never serves it


def test_the_detail_shows_the_file_and_suggests_an_expiry(app, staff, two_uploads, tenant_ids):
    agent, document_id = two_uploads["second"]
    page = text_of(staff.get(f"{QUEUE}/{document_id}"))
    assert "statuts.png" in page
    assert f'src="/backoffice/justificatifs/{document_id}/fichier"' in page
    paris_today = datetime.now(ZoneInfo("Europe/Paris")).date()
    expected = add_months(paris_today, 12)  # msr keeps the default 12 months
    assert f'value="{expected.isoformat()}"' in page or f'value="{expected}"' in page
    shown = staff.get(f"{QUEUE}/{document_id}/fichier")
    assert shown.status_code == 200
    assert shown.headers["Content-Type"] == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    download = staff.get(f"{QUEUE}/{document_id}/fichier?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_pdf_is_previewed_as_page_images_and_never_opened_inline(staff, two_uploads):
    agent, document_id = two_uploads["first"]
    page = text_of(staff.get(f"{QUEUE}/{document_id}"))
    image_url = f"{QUEUE}/{document_id}/pages/1.png"
    assert f'<img src="{image_url}"' in page
    assert f'src="{QUEUE}/{document_id}/fichier"' not in page  # no PDF in the operator's browser
    shown = staff.get(image_url)
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.format == "PNG" and image.width == 1200
    assert staff.get(f"{QUEUE}/{document_id}/pages/2.png").status_code == 404  # one page only
    # the PDF itself is only ever a download
    pdf = staff.get(f"{QUEUE}/{document_id}/fichier")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.data == PDF_BYTES
    _agent, image_id = two_uploads["second"]
    assert staff.get(f"{QUEUE}/{image_id}/pages/1.png").status_code == 404  # not a PDF


def _decide(staff, document_id, action: str, data: dict):
    page = staff.get(f"{QUEUE}/{document_id}").get_data(as_text=True)
    prefix = "approve" if action == "valider" else "reject"
    token = csrf_token(page[page.index(f"/{action}") :])
    return staff.post(
        f"{QUEUE}/{document_id}/{action}",
        data={f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in data.items()}},
    )


def test_approving_sets_the_expiry_emails_the_holder_and_is_audited(
    app, client_for, staff, two_uploads
):
    agent, document_id = two_uploads["first"]
    expires = date.today() + timedelta(days=200)
    response = _decide(staff, document_id, "valider", {"expires_on": expires.isoformat()})
    assert response.status_code == 302
    document = _document(app, document_id)
    assert document.status == DocumentStatus.APPROVED
    assert document.expires_on == expires
    assert document.reviewed_by_id == staff.staff_id
    (entry,) = _audit(app, "verification.document_approved", document_id)
    assert entry.actor_type == "staff" and entry.tenant_id == agent.tenant_id
    (email,) = emails_to(app, agent.tenant_id, agent.email)
    assert "validé" in email.subject
    assert "orias.pdf" in email.body_text
    page = text_of(logged_in(client_for, agent).get(DOCS))
    assert "Validé jusqu'au" in page
    assert str(expires.year) in page
    assert document_id not in [int(i) for i in _pending_ids(staff)]


def _pending_ids(staff) -> list[str]:
    import re

    return re.findall(r'data-document="(\d+)"', staff.get(QUEUE).get_data(as_text=True))


def test_an_expiry_in_the_past_is_refused(app, staff, two_uploads):
    _, document_id = two_uploads["first"]
    response = _decide(staff, document_id, "valider", {"expires_on": date.today().isoformat()})
    assert response.status_code == 200
    assert "La date de fin de validité doit être dans le futur." in text_of(response)
    assert _document(app, document_id).status == DocumentStatus.PENDING


def test_rejecting_needs_a_reason_that_the_agent_then_sees(app, client_for, staff, two_uploads):
    agent, document_id = two_uploads["first"]  # resilimo's: its agent has the documents page
    response = _decide(staff, document_id, "refuser", {"reason": "  "})
    assert "Indiquez le motif du refus." in text_of(response)
    assert _document(app, document_id).status == DocumentStatus.PENDING

    reason = "Les statuts transmis ne sont pas signés."
    assert _decide(staff, document_id, "refuser", {"reason": reason}).status_code == 302
    document = _document(app, document_id)
    assert document.status == DocumentStatus.REJECTED
    assert document.rejection_reason == reason
    (entry,) = _audit(app, "verification.document_rejected", document_id)
    assert entry.details["reason"] == reason
    (email,) = emails_to(app, agent.tenant_id, agent.email)
    assert reason in email.body_text
    page = text_of(logged_in(client_for, agent).get(DOCS))
    assert f"Refusé : {reason}" in page


def test_a_document_is_decided_once(app, staff, two_uploads):
    agent, document_id = two_uploads["first"]
    expires = (date.today() + timedelta(days=30)).isoformat()
    page = staff.get(f"{QUEUE}/{document_id}").get_data(as_text=True)
    approve_token = csrf_token(page[page.index("/valider") :])
    reject_token = csrf_token(page[page.index("/refuser") :])
    staff.post(
        f"{QUEUE}/{document_id}/valider",
        data={"approve-csrf_token": approve_token, "approve-expires_on": expires},
    )
    late = staff.post(
        f"{QUEUE}/{document_id}/refuser",
        data={"reject-csrf_token": reject_token, "reject-reason": "Trop tard"},
    )
    assert late.status_code == 302
    assert _document(app, document_id).status == DocumentStatus.APPROVED
    assert len(emails_to(app, agent.tenant_id, agent.email)) == 1


def test_an_unknown_document_is_not_found(staff):
    assert staff.get(f"{QUEUE}/999999").status_code == 404
