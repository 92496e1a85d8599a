"""May this account send? The checklist names what is missing and turns done; the platform
mandate is signed once, with the password, and kept word for word."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from verifykit import PASSWORD, form_token, logged_in, make_agent, text_of

from portal.core.audit import AuditEntry
from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.verification import may_send, readiness
from portal.core.verification.mandate import fingerprint
from portal.core.verification.models import (
    DocumentKind,
    DocumentStatus,
    PlatformMandate,
    ProfessionalDocument,
)
from portal.extensions import db

CHECKLIST = "/compte/verification/"
MANDATE = "/compte/verification/mandat"
DOCUMENT_LABEL = "Justificatif d'identité professionnelle vérifié"
MANDATE_LABEL = "Mandat signé autorisant la plateforme à envoyer vos courriers"


def _items(app, agent) -> dict[str, bool]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        tenant = tenant_directory().get(agent.tenant_id)
        from portal.core.accounts.models import Account

        account = db.session.get(Account, agent.id)
        items = {item.code: item.done for item in readiness(account, tenant)}
        # Other modules (credits) add their own items: the answer is "all done".
        assert may_send(account, tenant) is all(items.values())
        return {code: done for code, done in items.items() if code.startswith("verification.")}


def _add_document(app, agent, status, expires_on=None) -> None:
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.add(
            ProfessionalDocument(
                account_id=agent.id,
                kind=DocumentKind.ORIAS_CERTIFICATE,
                storage_key=f"tenants/{agent.tenant_id}/x.pdf",
                filename="x.pdf",
                content_type="application/pdf",
                size=10,
                status=status,
                expires_on=expires_on,
            )
        )
        db.session.commit()


def _sign(app, agent) -> None:
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.add(
            PlatformMandate(
                account_id=agent.id,
                signer_name="Camille Durand",
                text="…",
                text_sha256=fingerprint("…"),
                signed_at=datetime.now(UTC),
            )
        )
        db.session.commit()


def test_the_checklist_names_what_is_missing_then_turns_done(app, agent, agent_client):
    page = text_of(agent_client.get(CHECKLIST))
    assert "Avant d'envoyer votre premier courrier" in page
    assert f'<a href="/compte/verification/justificatifs">{DOCUMENT_LABEL}</a>' in page
    assert f'<a href="/compte/verification/mandat">{MANDATE_LABEL}</a>' in page
    assert _items(app, agent) == {"verification.document": False, "verification.mandate": False}

    _add_document(app, agent, DocumentStatus.PENDING)  # not yet verified
    assert _items(app, agent)["verification.document"] is False
    _add_document(app, agent, DocumentStatus.APPROVED, date.today() + timedelta(days=90))
    _sign(app, agent)
    assert _items(app, agent) == {"verification.document": True, "verification.mandate": True}
    page = text_of(agent_client.get(CHECKLIST))
    assert 'data-code="verification.document"' in page
    assert 'data-done="false" data-code="verification.' not in page


def test_an_expired_or_rejected_document_does_not_count(app, agent):
    _add_document(app, agent, DocumentStatus.APPROVED, date.today() - timedelta(days=2))
    _add_document(app, agent, DocumentStatus.REJECTED)
    assert _items(app, agent)["verification.document"] is False


def test_readiness_is_per_account(app, tenant_ids, agent):
    _sign(app, agent)
    other = make_agent(app, email="autre@example.fr")
    assert _items(app, other)["verification.mandate"] is False


# --- The platform mandate -------------------------------------------------------------------------


@pytest.fixture
def holder(app, tenant_ids):
    return make_agent(app, email="titulaire@example.fr")


def _post_mandate(client, password=PASSWORD, accept="y"):
    page = client.get(MANDATE).get_data(as_text=True)
    token = form_token(client, MANDATE)
    import re

    sha = re.search(r'name="text_sha256" type="hidden" value="([0-9a-f]{64})"', page)
    data = {"csrf_token": token, "password": password, "text_sha256": sha.group(1)}
    if accept:
        data["accept"] = accept
    return client.post(MANDATE, data=data)


def _mandates(app, agent) -> list[PlatformMandate]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        rows = list(
            db.session.scalars(
                select(PlatformMandate).where(PlatformMandate.account_id == agent.id)
            )
        )
        db.session.expunge_all()
        return rows


def test_the_mandate_text_names_the_agency_and_the_platform(client_for, holder):
    page = text_of(logged_in(client_for, holder).get(MANDATE))
    assert "MANDAT D'ENVOI DE COURRIERS AU NOM DE L'AGENCE" in page
    assert "Agence Durand titulaire" in page  # the principal
    assert "Résilimo SAS" in page  # the tenant's legal entity, the agent
    assert "lettres recommandées électroniques" in page
    assert "Je signe le mandat" in page


def test_signing_needs_the_password_and_the_box(app, client_for, holder):
    client = logged_in(client_for, holder)
    response = _post_mandate(client, password="pas le bon")
    assert "Mot de passe incorrect." in text_of(response)
    response = _post_mandate(client, accept=None)
    assert "Cochez « Je signe le mandat » pour signer." in text_of(response)
    assert _mandates(app, holder) == []


def test_the_mandate_is_signed_once_kept_word_for_word_and_audited(app, client_for, holder):
    client = logged_in(client_for, holder)
    assert _post_mandate(client).status_code == 302
    (mandate,) = _mandates(app, holder)
    assert mandate.signer_name == "Camille Durand"
    assert mandate.text_sha256 == fingerprint(mandate.text)
    assert "Résilimo SAS" in mandate.text
    assert mandate.ip == "127.0.0.1"
    with app.app_context():
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "verification.mandate_signed",
                AuditEntry.target_id == mandate.id,
            )
        )

    page = text_of(client.get(MANDATE))
    assert "Mandat signé par Camille Durand le" in page
    assert "Je signe le mandat" not in page  # no second signature offered
    token = form_token(client, "/compte/verification/justificatifs")
    again = client.post(
        MANDATE,
        data={"csrf_token": token, "password": PASSWORD, "accept": "y", "text_sha256": "x"},
    )
    assert again.status_code == 302
    assert "Le mandat a déjà été signé." in text_of(client.get(MANDATE))
    assert len(_mandates(app, holder)) == 1

    pdf = client.get("/compte/verification/mandat.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_a_text_changed_since_display_is_not_signed(app, client_for, holder):
    client = logged_in(client_for, holder)
    token = form_token(client, MANDATE)
    response = client.post(
        MANDATE,
        data={"csrf_token": token, "password": PASSWORD, "accept": "y", "text_sha256": "0" * 64},
    )
    assert "Le texte du mandat a changé depuis son affichage" in text_of(response)
    assert _mandates(app, holder) == []


def test_only_the_holder_signs(client_for, holder, make_profile):
    collaborator = logged_in(client_for, holder, make_profile(holder, name="Dominique Martin"))
    assert collaborator.get(MANDATE).status_code == 403
    assert collaborator.get("/compte/verification/mandat.pdf").status_code == 403


def test_no_pdf_before_signing(client_for, holder):
    assert logged_in(client_for, holder).get("/compte/verification/mandat.pdf").status_code == 404
