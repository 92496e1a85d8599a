"""What the e-signature's outcome does: refused → the quote « Refusé » and the « Échec de
signature électronique » email; an outcome heard twice sends one email; signed by hand → the
documents emailed (5 attachments) and the quote « En attente de pièce(s) »; a link that no longer
leads anywhere says why, or 404s."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from subkit import CLIENT, attachments_of, issue, mails_to, stored
from subscribekit import fill_steps, link_of, path_of, sign_on_the_pages, without_quote_mail
from webkit import text_of

from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture(autouse=True)
def _no_quote_mail(monkeypatch):
    without_quote_mail(monkeypatch)


def _contract(app, tenant_id, quote_id):
    from plugins.subscription.models import Contract

    with app.app_context(), tenant_scope(tenant_id):
        contract = db.session.scalar(select(Contract).where(Contract.quote_id == quote_id))
        values = {c.key: getattr(contract, c.key) for c in Contract.__table__.columns}
        db.session.remove()
        return values


def test_refusing_to_sign_refuses_the_quote_and_emails_the_failure(
    app, agent, client_for, post_form
):
    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    client = client_for("horizon")
    signer = path_of(fill_steps(client, post_form, link).headers["Location"])
    answer = post_form(
        client, signer + "/decline", {"reason": "Je préfère réfléchir.", "confirm": "y"}
    )
    assert answer.status_code == 302
    drain(app)
    from plugins.subscription.models import Quote

    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "refused"
    assert _contract(app, agent.tenant_id, quote_id)["signature_state"] == "failed"
    mails = mails_to(app, agent.tenant_id, CLIENT["email"])
    failed = [m for m in mails if "Échec de signature électronique" in m.subject]
    assert len(failed) == 1
    assert failed[0].subject == "Horizon Monde : Échec de signature électronique"
    body = failed[0].body_text
    assert "Votre signature électronique a échoué." in body
    assert "Veuillez recommencer votre devis ou contacter votre interlocuteur habituel." in body
    assert "Votre conseiller Courtier Atlantique" in body
    assert agent.email in failed[0].raw.decode(errors="replace")  # the agent in Cc
    # The link now says why it cannot be subscribed.
    page = text_of(client.get(link))
    assert "a échoué ou a été refusée" in page


def test_an_outcome_heard_twice_sends_one_email(app, agent, client_for, post_form):
    from plugins.subscription import membership
    from plugins.subscription.models import Contract
    from portal.core.signatures.models import SignatureProcedure
    from portal.core.tenants import tenant_directory

    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    client = client_for("horizon")
    signer = path_of(fill_steps(client, post_form, link).headers["Location"])
    sign_on_the_pages(app, agent.tenant_id, client, post_form, signer)
    drain(app)
    with app.app_context(), tenant_scope(agent.tenant_id):
        contract = db.session.scalar(select(Contract).where(Contract.quote_id == quote_id))
        procedure = db.session.get(SignatureProcedure, contract.signature_procedure_id)
        tenant = tenant_directory().by_id(agent.tenant_id)
        membership.signature_outcome(tenant, procedure, "signed")
        db.session.commit()
        # A late « declined » changes nothing on a signed contract.
        membership.signature_outcome(tenant, procedure, "declined")
        db.session.commit()
    mails = [m for m in mails_to(app, agent.tenant_id, CLIENT["email"]) if "signés" in m.subject]
    assert len(mails) == 1
    assert "espace client" in mails[0].body_text
    assert _contract(app, agent.tenant_id, quote_id)["signature_state"] == "signed"


def test_signing_by_hand_emails_the_documents(app, agent, client_for, post_form):
    from plugins.subscription.models import Quote, SupportingDocument
    from portal.core.signatures.models import SignatureProcedure

    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    client = client_for("horizon")
    answer = fill_steps(client, post_form, link, method="by_hand")
    assert path_of(answer.headers["Location"]) == link + "/fin"
    page = text_of(client.get(link + "/fin"))
    assert "imprimez-les, signez-les et renvoyez-les" in page
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "awaiting_documents"
    contract = _contract(app, agent.tenant_id, quote_id)
    assert contract["signature_state"] == "by_hand"
    assert contract["sepa_reference"].startswith(f"HMO-{contract['number']:010d}-")
    with app.app_context(), tenant_scope(agent.tenant_id):
        kinds = db.session.scalars(
            select(SupportingDocument.kind).where(SupportingDocument.contract_id == contract["id"])
        ).all()
        assert "identity" in kinds and "other" not in kinds
        assert db.session.scalar(select(SignatureProcedure.id)) is None
    mails = mails_to(app, agent.tenant_id, CLIENT["email"])
    assert len(mails) == 1
    message = mails[0]
    assert (
        message.subject == "Votre adhésion au contrat Horizon Monde proposé par Courtier Atlantique"
    )
    files = attachments_of(message)
    assert len(files) == 5
    assert all(content.startswith(b"%PDF-") for content in files.values())
    body = message.body_text
    assert "Le bulletin individuel d'adhésion" in body
    assert "Le mandat de prélèvement SEPA" in body
    assert "pièce d'identité" in body
    # The link now says the request is recorded.
    assert "Votre demande d'adhésion est enregistrée" in text_of(client.get(link))


def test_an_expired_quote_a_bad_token_and_another_tenant(app, agent, client_for):
    from plugins.subscription.models import Quote

    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.execute(
            update(Quote).where(Quote.id == quote_id).values(expires_on=date(2020, 1, 31))
        )
        db.session.commit()
    client = client_for("horizon")
    client.get("/?lang=fr")
    answer = client.get(link)
    assert answer.status_code == 410
    assert "Cette proposition a expiré le 31/01/2020 : contactez votre conseiller." in text_of(
        answer
    )
    assert client.get(link + "/donnees").status_code == 410
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "validated"
    assert client.get("/souscription/s/not-a-token").status_code == 404
    assert client.get("/souscription/s/not-a-token/donnees").status_code == 404
    assert client_for("resilimo").get(link).status_code == 404
