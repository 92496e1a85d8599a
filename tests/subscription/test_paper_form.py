"""The paper membership form of a quote (a client without email): pre-filled with the quote,
blank lines for what the client writes by hand; only the quote's own account opens it."""

from __future__ import annotations

import io
import uuid

import pytest
from pypdf import PdfReader
from subkit import issue
from subscribekit import without_quote_mail


@pytest.fixture(autouse=True)
def _no_quote_mail(monkeypatch):
    without_quote_mail(monkeypatch)


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_paper_form_is_pre_filled(app, agent, agent_client, make_account, logged_in):
    quote_id = issue(app, agent, client={"email": None})
    answer = agent_client.get(f"/souscription/devis/{quote_id}/bulletin.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = _text(answer.data)
    assert "BULLETIN INDIVIDUEL D'ADHÉSION" in text
    assert "DURAND Paul" in text
    assert "Horizon Monde" in text and "01/01/2027" in text
    assert "Prélèvement mensuel, le 5 de chaque mois" in text
    assert "Numéro de sécurité sociale" in text
    assert "Lu et approuvé" in text
    assert "Courtier Atlantique" in text

    other = make_account("horizon", f"autre.{uuid.uuid4().hex[:8]}@example.fr")
    assert logged_in(other).get(f"/souscription/devis/{quote_id}/bulletin.pdf").status_code == 404
    anonymous = app.test_client()
    answer = anonymous.get(
        f"/souscription/devis/{quote_id}/bulletin.pdf",
        base_url="http://solutions.horizon-mutuelle.test",
    )
    assert answer.status_code in (302, 401, 404)


def test_the_membership_documents_of_a_contract(app, agent):
    from plugins.subscription import membership_documents
    from plugins.subscription.models import Quote
    from portal.core.tenants import tenant_directory, tenant_scope
    from portal.extensions import db

    quote_id = issue(app, agent)
    with app.app_context(), tenant_scope(agent.tenant_id), app.test_request_context():
        tenant = tenant_directory().by_id(agent.tenant_id)
        quote = db.session.get(Quote, quote_id)
        sepa = _text(membership_documents.sepa_mandate_pdf(quote, tenant))
    assert "MANDAT DE PRÉLÈVEMENT SEPA" in sepa
    assert "FR72ZZZ845123" in sepa
    assert "En signant ce formulaire de mandat, vous autorisez Horizon Mutuelle" in sepa
