"""Tenants and accounts are walls in the subscription plugin too: every ``subscription.*`` route,
requested with the ids of another agent's client, quote, contract, document or agenda event,
answers 403 or 404 — for another agent of horizon, and for a user of another tenant on their
host. Routes come from the URL map: a new route is walked without editing this file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from subkit import issue

from plugins.subscription.models import AgendaEvent, Contract, Quote, SupportingDocument
from portal import create_app
from portal.core import clock
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import open_account_session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "security"))
from routewalk import all_routes  # noqa: E402

MARKER = "Zorglubienne"  # the victim's client's last name: must never show elsewhere
CAPABILITY_PARAMS = {"token"}  # the subscription link and the client-space sign-in link


def _contract_for(app, account, quote_id: int) -> tuple[int, int]:
    """A contract made from the quote, with one supporting document (ids)."""
    with app.app_context(), tenant_scope(account.tenant_id):
        quote = db.session.get(Quote, quote_id)
        contract = Contract(
            account_id=quote.account_id,
            managed_by_id=quote.managed_by_id,
            client_id=quote.client_id,
            quote_id=quote.id,
            prefix=quote.prefix,
            number=900000 + quote.id,
            product_code=quote.product_code,
            formula_code=quote.formula_code,
            effective_date=quote.effective_date,
            annual_cents=quote.annual_cents,
            monthly_cents=quote.monthly_cents,
            social_security_number="181041712345678",
            documents_read_at=clock.now(),
            account_holder="Paul Zorglubienne",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            sepa_reference=f"RUM-{quote.id}",
        )
        db.session.add(contract)
        db.session.flush()
        document = SupportingDocument(contract_id=contract.id, kind="identity")
        db.session.add(document)
        db.session.commit()
        return contract.id, document.id


@pytest.fixture
def world(app, make_account):
    victim = make_account("horizon", "victime@courtier.fr", commercial_name="Courtier Victime")
    neighbour = make_account("horizon", "voisin@courtier.fr", commercial_name="Courtier Voisin")
    foreigner = make_account("msr", "ailleurs@example.fr", kind="member")
    quote_id = issue(app, victim, client={"last_name": MARKER})
    contract_id, document_id = _contract_for(app, victim, quote_id)
    with app.app_context(), tenant_scope(victim.tenant_id):
        quote = db.session.get(Quote, quote_id)
        event_id = db.session.scalar(select(AgendaEvent.id).where(AgendaEvent.quote_id == quote_id))
        values = {
            "client_id": quote.client_id,
            "quote_id": quote_id,
            "contract_id": contract_id,
            "document_id": document_id,
            "event_id": event_id,
            "product": "horizon-monde",
            "kind": "ipid",
            "name": "membership_form",
            "token": "not-a-real-token",
            "step": "donnees",
            "key": "missing",
            "tenant_slug": "horizon",
        }
    return {"victim": victim, "neighbour": neighbour, "foreigner": foreigner, "values": values}


def _shows_marker(response) -> bool:
    return MARKER.lower().encode() in response.data.lower()


def _logged_in(app, host: str, account):
    client = app.test_client()
    key = open_account_session(app, account.id, account.tenant_id)
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["_user_id"] = f"{account.id}:{account.session_version}"
        session["session_key"] = key
        session["_fresh"] = True
        session["profile_id"] = account.holder_profile_id
        session["last_seen"] = time.time()
        session["reauth_at"] = time.time()
    return client


@pytest.fixture
def crawler_app(app_config, app):
    """CSRF off: this walk is about who may reach what, so posts must reach the views."""
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def _routes(app):
    return [
        route
        for route in all_routes(app)
        if route.endpoint.startswith("subscription.") and route.params
    ]


def _walk(app, host: str, attacker, values: dict, *, same_tenant: bool) -> list:
    client = _logged_in(app, host, attacker)
    failures = []
    for route in _routes(app):
        if same_tenant and set(route.params) & CAPABILITY_PARAMS:
            continue  # on its own tenant the secret in the URL is the permission
        if route.endpoint in {"subscription.product_document", "subscription.static"}:
            continue  # the product's public literature and the plugin's static files
        unknown = [p for p in route.params if p not in values]
        assert not unknown, f"{route.rule.rule}: give this test a value for {unknown}"
        url = route.url({p: values[p] for p in route.params})
        for method in sorted(route.methods):
            response = client.open(url, method=method, base_url=f"http://{host}")
            if response.status_code not in (403, 404):
                failures.append((method, url, response.status_code))
            if _shows_marker(response):
                failures.append((method, url, "shows the other agent's client"))
    return failures


def test_another_agent_of_horizon_gets_404_or_403_everywhere(crawler_app, world):
    failures = _walk(
        crawler_app, "horizon.localhost", world["neighbour"], world["values"], same_tenant=True
    )
    assert failures == []


def test_another_tenants_user_gets_404_everywhere(crawler_app, world):
    failures = _walk(
        crawler_app, "msr.localhost", world["foreigner"], world["values"], same_tenant=False
    )
    assert failures == []


def test_the_victims_own_pages_do_show_the_client(crawler_app, world, app):
    """The walk above would pass on a broken page too: the victim does see their client."""
    client = _logged_in(crawler_app, "horizon.localhost", world["victim"])
    page = client.get(
        f"/souscription/devis/{world['values']['quote_id']}", base_url="http://horizon.localhost"
    )
    assert page.status_code == 200 and _shows_marker(page)
