"""Signed by hand (guide §4 « En cas de signature manuelle »): the quote waits for the paper file
(« En attente de pièce(s) »), then for the management department once the agent uploaded it
(« En attente de validation »), and is « Souscrit » when the membership is created."""

from __future__ import annotations

import io

from spacekit import PDF, make_contract
from subkit import issue, stored

from plugins.subscription import contracts, supporting
from plugins.subscription.models import Contract, Quote, SupportingDocument
from plugins.subscription.quotes import move
from plugins.subscription.rules import ContractProgress, QuoteState, SignatureState
from portal.core.tenants import tenant_scope
from portal.extensions import db


def test_a_paper_file_goes_from_awaiting_documents_to_subscribed(app, agent, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    contract_id, (identity, *_) = make_contract(
        app, agent, quote_id, signature_state=SignatureState.BY_HAND
    )
    with app.app_context(), tenant_scope(agent.tenant_id):
        move(db.session.get(Quote, quote_id), QuoteState.AWAITING_DOCUMENTS)
        document = db.session.get(SupportingDocument, identity)
        supporting.upload(document, io.BytesIO(PDF), "bulletin-signe.pdf", by="agent")
        db.session.commit()
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == QuoteState.AWAITING_VALIDATION
    with app.app_context(), tenant_scope(agent.tenant_id):
        contract = db.session.get(Contract, contract_id)
        assert contracts.advance(
            contract, ContractProgress.MEMBERSHIP_CREATED, membership_number="A-1"
        )
        db.session.commit()
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == QuoteState.SUBSCRIBED


def test_an_electronically_signed_contract_leaves_its_quote_subscribed(app, agent, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    contract_id, (identity, *_) = make_contract(app, agent, quote_id)
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote = db.session.get(Quote, quote_id)
        move(quote, QuoteState.ACCEPTED)
        move(quote, QuoteState.SUBSCRIBED)
        document = db.session.get(SupportingDocument, identity)
        supporting.upload(document, io.BytesIO(PDF), "cni.pdf", by="client")
        db.session.commit()
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == QuoteState.SUBSCRIBED
    found = stored(app, agent.tenant_id, Contract, contract_id)
    assert found["progress"] == ContractProgress.FILE_TRANSMITTED
