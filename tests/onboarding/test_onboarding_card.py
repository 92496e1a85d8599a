"""The dashboard offers the initial onboarding to an account that never had one (while slots
are free), then shows the meeting to come."""

from __future__ import annotations

import re

from obkit import book_url, create_account, logged_in, paris, post_form, publish, text_of


def test_the_dashboard_offers_then_shows_the_meeting(app, tenant_ids, agent, agent_client, staff):
    # No free slot: nothing to offer.
    assert 'data-widget="onboarding"' not in text_of(agent_client.get("/"))
    [slot] = publish(app, tenant_ids["resilimo"], staff, paris(3, 10, 0))
    offer = text_of(agent_client.get("/"))
    assert 'data-widget="onboarding"' in offer
    assert "pour bien prendre en main le service" in offer
    assert 'href="/aide/accompagnement/"' in offer
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    shown = text_of(agent_client.get("/"))
    assert re.search(r"Votre rendez-vous : \w+ \d+ \w+ \d{4} à 10:00 \(par téléphone\)\.", shown)


def test_members_get_no_onboarding_card(app, tenant_ids, client_for, staff):
    publish(app, tenant_ids["msr"], staff, paris(3))
    member = logged_in(client_for, create_account(app, slug="msr", email="a@b.fr", kind="member"))
    assert 'data-widget="onboarding"' not in text_of(member.get("/"))
