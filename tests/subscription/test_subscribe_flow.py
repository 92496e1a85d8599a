"""The online subscription from the client's link (guide §4): the four steps and their checks,
nothing stored before « Signer le contrat », the e-signature through the signer's pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from subkit import attachments_of, issue, mails_to, stored, subscription_link
from subscribekit import (
    PAYMENT,
    PERSONAL,
    fill_steps,
    link_of,
    path_of,
    sign_on_the_pages,
    without_quote_mail,
)
from webkit import text_of

from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token


@pytest.fixture(autouse=True)
def _no_quote_mail(monkeypatch):
    without_quote_mail(monkeypatch)


def _count(app, tenant_id, model):
    with app.app_context(), tenant_scope(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_steps_check_and_keep_nothing_before_signing(app, agent, client_for, post_form):
    from plugins.subscription.models import Contract, Quote
    from portal.core.signatures.models import SignatureProcedure

    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    client = client_for("horizon")
    answer = client.get(link)
    assert answer.status_code == 302
    client.get(link + "/donnees?lang=fr")
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "proposed"
    page = text_of(client.get(link + "/donnees"))
    assert "Merci de compléter vos coordonnées" in page
    assert "Données personnelles" in page and "Informations de paiement" in page
    assert "transmises automatiquement à Horizon Mutuelle" in page
    assert 'value="Durand"' in client.get(link + "/donnees").get_data(as_text=True)

    # A later step without the earlier ones: back to step 1.
    assert path_of(client.get(link + "/paiement").headers["Location"]) == link + "/donnees"

    bad = {**PERSONAL, "social_security_number": PERSONAL["social_security_number"][:-2] + "00"}
    page = text_of(post_form(client, link + "/donnees", bad))
    assert "La clé de ce numéro de sécurité sociale ne correspond pas" in page
    page = text_of(
        post_form(
            client, link + "/donnees", {k: v for k, v in PERSONAL.items() if k != "status_declared"}
        )
    )
    assert "Cochez cette case pour continuer." in page
    both = {k: v for k, v in bad.items() if k != "status_declared"}
    page = text_of(post_form(client, link + "/donnees", both))
    assert "Cochez cette case pour continuer." in page
    assert "La clé de ce numéro de sécurité sociale ne correspond pas" in page
    page = text_of(post_form(client, link + "/donnees", {**PERSONAL, "mobile": "12"}))
    assert "Saisissez un numéro de mobile valide" in page
    assert post_form(client, link + "/donnees", PERSONAL).status_code == 302

    page = text_of(client.get(link + "/documents"))
    assert "Document d'Information sur le Produit d'Assurance (IPID)" in page
    page = text_of(post_form(client, link + "/documents", {}))
    assert "Cochez cette case après avoir lu les documents" in page
    assert post_form(client, link + "/documents", {"documents_read": "y"}).status_code == 302

    page = text_of(
        post_form(client, link + "/paiement", {**PAYMENT, "iban": "FR7630006000011234567890180"})
    )
    assert "Cet IBAN n'est pas valide" in page
    page = text_of(post_form(client, link + "/paiement", {**PAYMENT, "bic": "DEUTDEFF"}))
    assert "Ce BIC n'est pas celui d'une banque du pays de l'IBAN" in page
    assert post_form(client, link + "/paiement", PAYMENT).status_code == 302

    # Going back keeps the values.
    assert 'value="Paul Durand"' in client.get(link + "/paiement").get_data(as_text=True)
    page = text_of(client.get(link + "/signature"))
    assert "Signer le contrat" in page and "FR76" in page and "0 189" in page
    assert "Signer électroniquement" in page

    # Nothing stored yet; another browser (the session lost) restarts at step 1.
    assert _count(app, agent.tenant_id, Contract) == 0
    assert _count(app, agent.tenant_id, SignatureProcedure) == 0
    other = client_for("horizon")
    assert path_of(other.get(link + "/signature").headers["Location"]) == link + "/donnees"


def test_signed_electronically_end_to_end(app, agent, client_for, post_form):
    from plugins.subscription.models import Contract, Quote
    from portal.core.signatures import operations, sealing
    from portal.core.signatures.models import SignatureProcedure

    quote_id = issue(app, agent)
    link = link_of(app, agent.tenant_id, quote_id)
    client = client_for("horizon")
    answer = fill_steps(client, post_form, link)
    assert answer.status_code == 302
    signer = path_of(answer.headers["Location"])
    assert signer.startswith("/signature/")
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "accepted"
    page = client.get(signer).get_data(as_text=True)
    assert "Bulletin individuel d&#39;adhésion" in page or "Bulletin individuel d'adhésion" in page
    # Back on the quote's link while signing: the signer's pages again.
    assert path_of(client.get(link).headers["Location"]) == signer
    start = re.search(r'<a class="button" href="([^"]+)">Commencer</a>', page).group(1)
    token = csrf_token(client.get(start).get_data(as_text=True))
    again = client.post(link + "/signature", data={"method": "electronic", "csrf_token": token})
    assert path_of(again.headers["Location"]) == signer
    assert _count(app, agent.tenant_id, Contract) == 1

    sign_on_the_pages(app, agent.tenant_id, client, post_form, signer)
    mails = [
        m
        for m in mails_to(app, agent.tenant_id, "paul.durand@example.org")
        if "signés" in m.subject
    ]
    assert len(mails) == 1
    assert mails[0].subject == "Horizon Solutions+ - Vos documents signés"
    files = attachments_of(mails[0])
    assert len(files) == 2
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "subscribed"
    with app.app_context(), tenant_scope(agent.tenant_id):
        contract = db.session.scalar(select(Contract).where(Contract.quote_id == quote_id))
        assert contract.signature_state == "signed" and contract.signed_at is not None
        assert contract.social_security_number == PERSONAL["social_security_number"]
        procedure = db.session.get(SignatureProcedure, contract.signature_procedure_id)
        for document in procedure.documents:
            if document.role.value == "sign":
                checks = sealing.validate_pdf(operations.signed_document_bytes(document))
                assert checks and all(c.intact and c.valid for c in checks)


def test_the_quote_email_link_opens_the_subscription(app, agent, client_for, monkeypatch):
    from plugins.subscription import quote_mail
    from plugins.subscription.models import Quote

    monkeypatch.undo()  # the quote email goes, as in real life
    assert quote_mail.after_issue.__module__ == quote_mail.__name__
    quote_id = issue(app, agent)
    mails = mails_to(app, agent.tenant_id, "paul.durand@example.org")
    link = subscription_link(mails[-1])
    client = client_for("horizon")
    assert path_of(client.get(link).headers["Location"]) == link + "/donnees"
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == "proposed"
