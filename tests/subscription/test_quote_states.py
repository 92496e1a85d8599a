"""Quote states (guide §3, « Statut devis »): every transition of ``rules.QUOTE_TRANSITIONS`` is
allowed through ``quotes.move`` and every other one refused; the quote page shows each state's
label and offers « Modifier » only where allowed; another account's quote is 404."""

from __future__ import annotations

import itertools

import pytest
from subkit import issue, stored

from plugins.subscription import quotes, rules
from plugins.subscription.models import Quote
from plugins.subscription.rules import QuoteState
from portal.core.tenants import tenant_scope
from portal.extensions import db

PAIRS = list(itertools.product(QuoteState, QuoteState))


def force(app, tenant_id, quote_id, state):
    """Put a quote in ``state`` directly (the test's arrangement, not a transition)."""
    with app.app_context(), tenant_scope(tenant_id):
        db.session.get(Quote, quote_id).state = state
        db.session.commit()


@pytest.mark.parametrize("source", list(QuoteState))
def test_every_transition_allowed_or_refused(app, agent, at, source):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    for target in QuoteState:
        force(app, agent.tenant_id, quote_id, source)
        allowed = target in rules.QUOTE_TRANSITIONS[source]
        with app.app_context(), tenant_scope(agent.tenant_id):
            quote = db.session.get(Quote, quote_id)
            if target == source:
                assert quotes.move(quote, target) is False
            elif allowed:
                assert quotes.move(quote, target) is True
                db.session.commit()
            else:
                with pytest.raises(rules.TransitionRefused):
                    quotes.move(quote, target)
                db.session.rollback()
        expected = target if allowed else source
        assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == expected


def test_final_states_lead_nowhere():
    for state in (
        QuoteState.SUBSCRIBED,
        QuoteState.REFUSED,
        QuoteState.DECLINED,
        QuoteState.EXPIRED,
    ):
        assert rules.QUOTE_TRANSITIONS[state] == frozenset()


def test_the_page_shows_each_state_and_modify_only_where_allowed(app, agent, agent_client, at):
    from quotekit import text

    at(2026, 12, 7)
    quote_id = issue(app, agent)
    agent_client.get("/souscription/devis/brouillons/?lang=fr")
    for state in QuoteState:
        force(app, agent.tenant_id, quote_id, state)
        page = agent_client.get(f"/souscription/devis/{quote_id}")
        assert page.status_code == 200
        body = text(page)
        assert rules.QUOTE_STATE_LABELS[state] in body
        assert ("Modifier" in body) == (state in rules.MODIFIABLE)
        assert ("Renvoyer le devis au client" in body) == (state in rules.SUBSCRIBABLE)


def test_another_accounts_quote_is_404(app, agent, make_account, logged_in, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    other = logged_in(make_account("horizon", "autre@cabinet-sud.fr", commercial_name="Sud"))
    for path in ("", "/devis.pdf"):
        assert other.get(f"/souscription/devis/{quote_id}{path}").status_code == 404
    from portal.testing.web import csrf_token

    token = csrf_token(other.get("/souscription/devis/brouillons/nouveau").get_data(as_text=True))
    for path in ("/modifier", "/renvoyer"):
        response = other.post(f"/souscription/devis/{quote_id}{path}", data={"csrf_token": token})
        assert response.status_code == 404
    assert other.get(f"/souscription/devis/nouveau?client_id={quote_id}").status_code == 404
