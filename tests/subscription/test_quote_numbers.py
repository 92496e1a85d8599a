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
