"""Everything reachable: for each kind of user of each demo tenant, a crawler logs in, starts at
the home page and follows every link of the site (GET only: no form is sent, no logout), and
proves that

* every page of the account area this user may open is reached by links — the « Mon compte »
  menu (hook ``account_menu_items``), « Achat de crédits » and « Facturation » where accounts have
  credit, the verification pages where the platform mandate exists, the conversation pages where
  messaging is offered — and so is every other ``/compte/…`` page (no URL value) that opens for
  this user;
* no page reached answers an error (4xx, 5xx);
* a fund's member never reaches a credit, letter, letterhead or mandate page.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import g, url_for

from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.web.pipeline import may_open
from portal.extensions import db

HREF = re.compile(r"<a\b[^>]*\bhref=\"([^\"]+)\"", re.I)
MAX_PAGES = 400
# Not pages of the site: assets, and the language switch (it would only repeat every page).
SKIPPED = re.compile(r"^/(static|theme)/|\.(css|js|svg|png|ico)$|[?&]lang=")
MEMBER = {"commercial_name": "", "orias": None}
# Pages a fund's member must never meet: credit, billing, letters, letterhead, mandate.
AGENCY_ONLY = re.compile(
    r"^/(compte/(credits|facturation|verification|entete|utilisateurs)|resiliation|paper-mail"
    r"|emprunteur)\b"
)


@dataclass(frozen=True)
class User:
    slug: str
    label: str
    fields: dict
    collaborator: bool = False


USERS = [
    User("resilimo", "agency holder", {}),
    User("resilimo", "agency collaborator", {}, collaborator=True),
    User("msr", "member individual", {**MEMBER, "category": "individual"}),
    User("msr", "member farmer", {**MEMBER, "category": "farmer"}),
    User("msr", "member employer", {**MEMBER, "category": "employer"}),
    User("horizon", "sales agent", {}),
]


def crawl(client) -> dict[str, int]:
    """Every same-host page reached by links from "/", with its final status."""
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            target = _local(response.location)
            if target is None:
                break
            response, hops = client.get(target), hops + 1
        seen[path] = response.status_code
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            target = _local(unescape(href))
            if target and target not in seen and not SKIPPED.search(target):
                queue.append(target)
    return seen


def _local(href: str) -> str | None:
    """The path (and query) of a link of this site, else None."""
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, tel:
    if parts.netloc and not parts.netloc.endswith(".localhost"):
        return None
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def expected_pages(app, account, profile_id: int) -> set[str]:
    """The account-area pages this user may open, from the modules that declare them."""
    from portal.core.accounts.kinds import account_area
    from portal.core.accounts.models import Account, Profile
    from portal.core.plugins import current_plugins

    tenant = tenant_directory_of(app, account.slug)
    with app.test_request_context("/"), tenant_scope(account.tenant_id):
        plugins = current_plugins()
        area = account_area(tenant)
        owner = db.session.get(Account, account.id)
        profile = db.session.get(Profile, profile_id)
        items = plugins.collect("account_menu_items", tenant=tenant, account=owner, profile=profile)
        endpoints = {item.endpoint for item in items}
        if area.credit:
            endpoints |= {"credits.buy", "credits.billing"}
        if area.mandate:
            endpoints |= {
                "verification.checklist",
                "verification.documents",
                "verification.identity",
                "verification.mandate",
            }
        for kind in ("message", "help"):
            page = plugins.first("messaging_conversations_page", tenant=tenant, kind=kind)
            if page:
                endpoints.add(page)
        if plugins.is_enabled("secure_messaging", tenant):
            endpoints |= {"secure_messaging.deposit", "secure_messaging.message_new"}
        g.tenant = tenant
        # Only what this profile may open: a holder's pages are closed to a collaborator.
        return {url_for(endpoint) for endpoint in endpoints if may_open(endpoint, profile)}


def tenant_directory_of(app, slug):
    with app.app_context():
        return tenant_directory().by_slug(slug)


# The profile choice is a step of logging in (offered where an account has several profiles),
# not a page of the account area.
NOT_AREA_PAGES = {"account.choose_profile"}


def account_area_routes(app) -> list[str]:
    """Every GET page of the account area that takes no URL value."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/compte/")
        and not rule.arguments
        and "GET" in rule.methods
        and rule.endpoint not in NOT_AREA_PAGES
    )


@pytest.fixture
def user_client(app, make_account, make_profile, logged_in, request):
    user: User = request.param
    account = make_account(user.slug, email=f"crawler@{user.slug}.example.fr", **user.fields)
    profile_id = account.holder_profile_id
    if user.collaborator:
        profile_id = make_profile(account, name="Léa Martin")
    return user, account, profile_id, logged_in(account, profile_id)


@pytest.mark.parametrize(
    "user_client", USERS, ids=[f"{u.slug}-{u.label}" for u in USERS], indirect=True
)
def test_every_page_of_the_account_area_is_reached_by_links(app, user_client):
    user, account, profile_id, client = user_client
    reached = crawl(client)
    errors = {path: status for path, status in reached.items() if status >= 400}
    assert not errors, f"{user.label} on {user.slug}: pages answering an error: {errors}"
    expected = expected_pages(app, account, profile_id)
    assert expected, "the account area declares pages"
    missing = sorted(expected - reached.keys())
    assert not missing, f"{user.label} on {user.slug}: not reached by links from /: {missing}"
    # Any other page of the account area that opens for this user is linked too.
    opening = {path for path in account_area_routes(app) if client.get(path).status_code == 200}
    unlinked = sorted(opening - reached.keys())
    assert not unlinked, (
        f"{user.label} on {user.slug}: pages that open but no link leads to: {unlinked}"
    )


@pytest.mark.parametrize(
    "user_client", [u for u in USERS if u.slug == "msr"], ids=lambda u: u.label, indirect=True
)
def test_a_member_never_reaches_credit_letters_or_mandates(app, user_client):
    user, _, _, client = user_client
    reached = crawl(client)
    assert "/" in reached and len(reached) > 5
    agency_pages = sorted(path for path in reached if AGENCY_ONLY.search(path))
    assert not agency_pages, f"a member ({user.label}) reached {agency_pages}"
