"""Quote numbers and versions: « HMO-0000000001 / 1 », « Modifier » issues « / 2 »."""

from __future__ import annotations

from subkit import issue, stored

from plugins.subscription.models import Quote
from plugins.subscription.rules import QuoteState


def test_numbers_follow_per_prefix_and_a_new_version_declines_the_old(app, agent, at):
    at(2026, 12, 7)
    first = issue(app, agent)
    second = issue(app, agent)
    one, two = (
        stored(app, agent.tenant_id, Quote, first),
        stored(app, agent.tenant_id, Quote, second),
    )
    assert (one["prefix"], two["number"] - one["number"], one["version"]) == ("HMO", 1, 1)
    assert one["state"] == QuoteState.VALIDATED
    assert one["monthly_cents"] > 0 and one["annual_cents"] == 12 * one["monthly_cents"]
    again = issue(app, agent, previous_id=first, formula_code="HMO300")
    three = stored(app, agent.tenant_id, Quote, again)
    assert (three["number"], three["version"]) == (one["number"], 2)
    assert stored(app, agent.tenant_id, Quote, first)["state"] == QuoteState.DECLINED


def _put(app, tenant_id: int, quote_id: int, *states) -> None:
    from plugins.subscription.quotes import move
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        quote = db.session.get(Quote, quote_id)
        for state in states:
            move(quote, state)
        db.session.commit()


def test_a_refused_quote_is_duplicated_and_a_subscribed_one_is_not(app, agent, at):
    """« Échec de signature électronique »: the agent duplicates the quote (guide §4)."""
    import pytest

    from plugins.subscription.quotes import QuoteRefused

    at(2026, 12, 7)
    refused = issue(app, agent)
    _put(app, agent.tenant_id, refused, QuoteState.ACCEPTED, QuoteState.REFUSED)
    again = stored(app, agent.tenant_id, Quote, issue(app, agent, previous_id=refused))
    assert (again["version"], again["state"]) == (2, QuoteState.VALIDATED)
    assert stored(app, agent.tenant_id, Quote, refused)["state"] == QuoteState.REFUSED
    subscribed = issue(app, agent)
    _put(app, agent.tenant_id, subscribed, QuoteState.ACCEPTED, QuoteState.SUBSCRIBED)
    with pytest.raises(QuoteRefused):
        issue(app, agent, previous_id=subscribed)


def test_the_quote_page_offers_to_duplicate_a_refused_quote(app, agent, agent_client, at):
    at(2026, 12, 7)
    refused = issue(app, agent)
    _put(app, agent.tenant_id, refused, QuoteState.ACCEPTED, QuoteState.REFUSED)
    page = agent_client.get(f"/souscription/devis/{refused}?lang=fr").get_data(as_text=True)
    assert "Dupliquer le devis" in page and ">Modifier<" not in page
