"""May this account send? The checklist names what is missing and turns done; the platform
mandate is signed once by the holder through an e-signature procedure (the code received by SMS),
kept word for word; a mandate signed before with the password stays valid."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from verifykit import csrf_token, form_token, logged_in, make_agent, text_of

from portal.core.audit import AuditEntry
from portal.core.jobs import drain
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


def _shown_sha(client) -> str:
    page = client.get(MANDATE).get_data(as_text=True)
    match = re.search(r'name="text_sha256" type="hidden" value="([0-9a-f]{64})"', page)
    assert match, "no « Signer le mandat » form"
    return match.group(1)


def _ask_signature(client, sha: str | None = None):
    sha = sha or _shown_sha(client)
    token = form_token(client, MANDATE)
    return client.post(MANDATE, data={"csrf_token": token, "text_sha256": sha})


def _mandates(app, agent) -> list[PlatformMandate]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        rows = list(
            db.session.scalars(
                select(PlatformMandate).where(PlatformMandate.account_id == agent.id)
            )
        )
        db.session.expunge_all()
        return rows


def _procedures(app, agent) -> list[tuple[str, str]]:
    from portal.core.signatures.models import SignatureProcedure

    with app.app_context(), tenant_scope(agent.tenant_id):
        return [
            (p.reference, p.state.value)
            for p in db.session.scalars(
                select(SignatureProcedure)
                .where(SignatureProcedure.account_id == agent.id)
                .order_by(SignatureProcedure.id)
            )
        ]


def _sms_code(app, agent) -> str:
    from portal.core.devbox.models import DevboxMessage

    with app.app_context(), tenant_scope(agent.tenant_id):
        sms = db.session.scalars(
            select(DevboxMessage)
            .where(DevboxMessage.kind == "sms", DevboxMessage.recipients == "+33612345678")
            .order_by(DevboxMessage.id.desc())
        ).first()
        assert sms is not None, "no SMS sent"
        return re.search(r"\b(\d{6})\b", sms.body_text).group(1)


def _sign_as_the_signer(app, client, agent, signer_url: str) -> str:
    """The holder on the signer's pages: reads the mandate and ticks its box, asks for the code,
    types the one received by SMS; returns the success page."""
    path = urlsplit(signer_url).path
    home = client.get(path)
    assert home.status_code == 200
    document = client.get(f"{path}/documents/1")
    page = document.get_data(as_text=True)
    assert "J'ai lu le mandat et je l'accepte" in text_of(document)
    box = re.search(r'name="(box_\d+)"', page).group(1)
    accepted = client.post(f"{path}/documents/1", data={"csrf_token": csrf_token(page), box: "y"})
    assert accepted.status_code == 302
    token = csrf_token(client.get(f"{path}/sign").get_data(as_text=True))
    sent = client.post(f"{path}/sign", data={"send-csrf_token": token, "send-submit": "1"})
    assert sent.status_code == 302
    code = _sms_code(app, agent)
    signed = client.post(f"{path}/sign", data={"sign-csrf_token": token, "sign-code": code})
    assert signed.status_code == 302, text_of(signed)
    drain(app)  # the outcome reaches the verification module from a job
    return text_of(client.get(urlsplit(signed.headers["Location"]).path))


def test_the_mandate_text_says_it_is_signed_with_a_code_received_by_sms(client_for, holder):
    page = text_of(logged_in(client_for, holder).get(MANDATE))
    assert "MANDAT D'ENVOI DE COURRIERS AU NOM DE L'AGENCE" in page
    assert "Agence Durand titulaire" in page  # the principal
    assert "Résilimo SAS" in page  # the tenant's legal entity, the agent
    assert "un code à usage unique reçu par SMS" in page
    assert "Le code de signature sera envoyé par SMS au 06 12 34 56 78." in page
    assert "mot de passe" not in page.split("Signer le mandat")[-1]


def test_the_holder_signs_with_the_sms_code_and_the_mandate_is_kept_once(app, client_for, holder):
    client = logged_in(client_for, holder)
    response = _ask_signature(client)
    assert response.status_code == 302
    signer_url = response.headers["Location"]
    assert "/signature/" in signer_url  # straight to the signer's pages, on this screen
    ((reference, state),) = _procedures(app, holder)
    assert state == "ongoing"
    assert _mandates(app, holder) == []  # nothing signed yet
    assert _items(app, holder)["verification.mandate"] is False

    done = _sign_as_the_signer(app, client, holder, signer_url)
    assert "Votre mandat est signé : vous pouvez maintenant envoyer des courriers." in done
    (mandate,) = _mandates(app, holder)
    assert mandate.signer_name == "Camille Durand"
    assert mandate.text_sha256 == fingerprint(mandate.text)
    assert "un code à usage unique reçu par SMS" in mandate.text
    assert mandate.ip == "127.0.0.1"
    assert mandate.procedure_id is not None and mandate.signed_document_record_id is not None
    assert _items(app, holder)["verification.mandate"] is True
    # The holder signed it on their own screen: no email tells them what they just saw.
    drain(app)
    with app.app_context(), tenant_scope(holder.tenant_id):
        from portal.core.devbox.models import DevboxMessage

        subjects = db.session.scalars(select(DevboxMessage.subject)).all()
        assert not [s for s in subjects if s.startswith("Signature terminée")], subjects
    with app.app_context():
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "verification.mandate_signed",
                AuditEntry.target_id == mandate.id,
            )
        )

    # The outcome delivered again (a retried job) records nothing more.
    from portal.core.signatures.models import SignatureProcedure
    from portal.core.verification.mandate_signature import record_signed_mandate

    with app.app_context(), tenant_scope(holder.tenant_id):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        record_signed_mandate(procedure)
        db.session.commit()
    assert len(_mandates(app, holder)) == 1

    page = text_of(client.get(MANDATE))
    assert "Mandat signé par Camille Durand le" in page
    assert "Signé électroniquement, avec un code reçu par SMS." in page
    assert 'data-form="mandate-sign"' not in page  # no second signature offered
    token = form_token(client, "/compte/verification/justificatifs")
    again = client.post(MANDATE, data={"csrf_token": token, "text_sha256": "x"})
    assert again.status_code == 302
    assert "Le mandat a déjà été signé." in text_of(client.get(MANDATE))
    assert len(_procedures(app, holder)) == 1

    pdf = client.get("/compte/verification/mandat.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert b"/ByteRange" in pdf.data  # the sealed PDF, with its PAdES signature


def test_asking_twice_resumes_the_same_signature(app, client_for, holder):
    client = logged_in(client_for, holder)
    first = _ask_signature(client)
    assert "Une signature de ce mandat est déjà commencée" in text_of(client.get(MANDATE))
    second = _ask_signature(client)
    assert first.headers["Location"] == second.headers["Location"]
    assert [state for _ref, state in _procedures(app, holder)] == ["ongoing"]


def test_a_mandate_signed_with_the_password_before_still_counts(app, client_for, holder):
    _sign(app, holder)  # a row of before e-signatures: no procedure, no sealed PDF
    (mandate,) = _mandates(app, holder)
    assert mandate.procedure_id is None
    assert _items(app, holder)["verification.mandate"] is True
    client = logged_in(client_for, holder)
    page = text_of(client.get(MANDATE))
    assert "Mandat signé par Camille Durand le" in page
    assert "Signé électroniquement, avec un code reçu par SMS." not in page
    pdf = client.get("/compte/verification/mandat.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert _procedures(app, holder) == []


def test_a_text_changed_since_display_is_not_signed(app, client_for, holder):
    client = logged_in(client_for, holder)
    response = _ask_signature(client, sha="0" * 64)
    assert response.status_code == 200
    assert "Le texte du mandat a changé depuis son affichage" in text_of(response)
    assert _procedures(app, holder) == []


def test_without_a_mobile_the_page_asks_for_it_first(app, client_for, tenant_ids):
    holder = make_agent(app, email="sans-mobile@example.fr", mobile=None)
    client = logged_in(client_for, holder)
    page = text_of(client.get(MANDATE))
    assert "Ajoutez d'abord votre téléphone portable" in page
    assert 'data-form="mandate-sign"' not in page

    # Asking to sign anyway (an old form): refused, said next to the mobile field.
    token = form_token(client, MANDATE)
    response = client.post(MANDATE, data={"csrf_token": token, "text_sha256": "0" * 64})
    assert 'id="mobile-mobile-error"' in response.get_data(as_text=True)
    assert _procedures(app, holder) == []

    token = form_token(client, MANDATE)
    response = client.post(MANDATE, data={"csrf_token": token, "mobile-mobile": "01 40 00 00 00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="mobile-mobile-error"' in body
    token = form_token(client, MANDATE)
    response = client.post(MANDATE, data={"csrf_token": token, "mobile-mobile": "06 12 34 56 78"})
    assert response.status_code == 302
    page = text_of(client.get(MANDATE))
    assert "Votre téléphone portable est enregistré." in page
    assert 'data-form="mandate-sign"' in page
    assert _ask_signature(client).status_code == 302
    assert len(_procedures(app, holder)) == 1


def test_only_the_holder_signs(app, client_for, holder, make_profile):
    collaborator = logged_in(client_for, holder, make_profile(holder, name="Dominique Martin"))
    assert collaborator.get(MANDATE).status_code == 403
    token = form_token(collaborator, "/compte/verification/justificatifs")
    response = collaborator.post(MANDATE, data={"csrf_token": token, "text_sha256": "0" * 64})
    assert response.status_code == 403
    assert collaborator.get("/compte/verification/mandat.pdf").status_code == 403
    assert _procedures(app, holder) == []


def test_no_pdf_before_signing(client_for, holder):
    assert logged_in(client_for, holder).get("/compte/verification/mandat.pdf").status_code == 404
