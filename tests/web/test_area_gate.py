"""The parts of the account area a tenant's accounts do not have are 404, as a disabled
plugin's pages: credit and billing on a member space or a sales tool, the sending conditions and
the eIDAS verification where nothing is sent."""

from __future__ import annotations

import pytest

MEMBER = {"category": "farmer", "commercial_name": "", "orias": None}
AREA_PAGES = [
    "/compte/credits",
    "/compte/facturation",
    "/compte/verification/",
    "/compte/verification/justificatifs",
    "/compte/verification/mandat",
    "/compte/verification/identite",
]


@pytest.mark.parametrize(("slug", "fields"), [("msr", MEMBER), ("horizon", {})])
def test_credit_and_sending_pages_are_404_where_accounts_have_none(
    make_account, logged_in, slug, fields
):
    client = logged_in(make_account(slug, email=f"titulaire@{slug}.fr", **fields))
    for path in AREA_PAGES:
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code in (400, 404), path  # CSRF or gone, never served


def test_they_open_for_an_agency_holder(make_account, logged_in):
    client = logged_in(make_account("resilimo"))
    for path in AREA_PAGES:
        assert client.get(path).status_code == 200, path


def test_a_collaborator_s_menu_links_no_holder_page(make_account, make_profile, logged_in):
    agent = make_account("resilimo")
    collaborator = logged_in(agent, make_profile(agent))
    page = collaborator.get("/compte/").get_data(as_text=True)
    menu = page.split('<aside class="account-nav"', 1)[1].split("</aside>", 1)[0]
    assert 'href="/compte/credits"' in menu  # a collaborator buys credit
    for holder_page in ("/compte/facturation", "/compte/verification/mandat", "/compte/cloture"):
        assert f'href="{holder_page}"' not in menu, holder_page
        assert collaborator.get(holder_page).status_code == 403, holder_page
