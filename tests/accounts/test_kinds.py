"""Kinds of accounts (issue 12, point 1): on each tenant, the sign-up, the account pages, the menus
and the sending checklist follow who the accounts are: agencies on resilimo, members of a
social-security fund on msr, a mutual's sales agents on horizon."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.core.accounts.models import Account
from portal.core.tenants import tenant_scope
from portal.extensions import db

PASSWORD = "Durant-Agence-2024!"  # noqa: S105 - a test password that meets the policy

# What a member of a social-security fund must never meet: an agent's vocabulary.
AGENT_WORDS = ("crédit", "lettre", "mandat", "en-tête", "utilisateurs du compte", "orias")

AGENCY = {
    "email": "paul.durant@agence-durant.fr",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "last_name": "Durant",
    "first_name": "Paul",
    "commercial_name": "Agence Axa Durant",
    "orias": "12 345 678",
    "siren": "732 829 320",
    "affiliation": "AXA",
    "address": "12 rue des Lilas",
    "postal_code": "69003",
    "city": "Lyon",
    "phone": "04 72 00 00 00",
    "accept_terms": "y",
}

MEMBER = {
    "email": "marie.roux@ferme-roux.fr",
    "last_name": "Roux",
    "first_name": "Marie",
    "category": "farmer",
    "address": "Lieu-dit Les Granges",
    "postal_code": "45000",
    "city": "Orléans",
    "phone": "02 38 00 00 00",
    "mobile": "06 12 34 56 78",
    "accept_terms": "y",
}


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def visible(response) -> str:
    """The text a reader sees: without tags, scripts and styles, entities decoded."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def field_names(response) -> set[str]:
    return set(re.findall(r'name="([a-z_0-9]+)"', response.get_data(as_text=True)))


def error_of(response, field: str) -> str:
    """The message shown next to ``field`` (its ``…-error`` paragraph)."""
    page = html.unescape(response.get_data(as_text=True))
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1).strip() if match else ""


def sign_up(client, csrf_token, path: str, data: dict, **changes):
    page = client.get(path).get_data(as_text=True)
    values = {k: v for k, v in {**data, **changes}.items() if v is not None}
    return client.post("/inscription", data={**values, "csrf_token": csrf_token(page)})


def stored(app, tenant_id: int, email: str) -> Account | None:
    with app.app_context(), tenant_scope(tenant_id):
        account = db.session.scalar(select(Account).where(Account.email == email))
        if account is not None:
            db.session.expunge(account)
        return account


# --- Sign-up --------------------------------------------------------------------------------------

AGENCY_FORM = "/inscription?etape=formulaire&sans_orias=1"


def test_an_agency_gives_its_commercial_name_orias_siren_and_accepts_cgu_and_cgv(client_for):
    response = client_for("resilimo").get(AGENCY_FORM)
    names = field_names(response)
    assert {"commercial_name", "orias", "siren", "affiliation", "accept_terms"} <= names
    assert "country" not in names  # resilimo takes French addresses only
    text = visible(response)
    assert "N° SIREN" in text and "732 829 320" in text  # the example of the hint
    assert "les CGU et les CGV" in text


def test_a_member_gives_who_they_are_and_where_they_live_and_nothing_of_an_agent(client_for):
    response = client_for("msr").get("/inscription")
    names = field_names(response)
    assert {"email", "last_name", "first_name", "category", "address", "postal_code"} <= names
    assert {"city", "phone", "mobile", "accept_terms"} <= names
    assert not names & {"commercial_name", "orias", "siren", "affiliation", "country"}
    text = visible(response)
    assert "Particulier" in text and "Exploitant" in text and "Employeur" in text
    assert "conditions générales d'utilisation" in text and "CGV" not in text
    for word in ("ORIAS", "Nom commercial", "agence", "intermédiaire", "courrier"):
        assert word.casefold() not in text.casefold(), word


def test_a_members_request_keeps_its_category_and_no_company(
    app, client_for, csrf_token, tenant_ids
):
    client = client_for("msr")
    missing = sign_up(client, csrf_token, "/inscription", MEMBER, category="")
    assert missing.status_code == 200
    assert error_of(missing, "category") == (
        "Indiquez si vous êtes particulier, exploitant ou employeur."
    )
    # Nothing a member is not asked for is kept, even if sent.
    response = sign_up(
        client, csrf_token, "/inscription", MEMBER, commercial_name="Ferme", orias="12345678"
    )
    assert response.status_code == 302
    account = stored(app, tenant_ids["msr"], MEMBER["email"])
    assert (account.category, account.commercial_name, account.orias, account.siren) == (
        "farmer",
        "",
        None,
        None,
    )
    assert account.display_name == "Marie Roux"
    assert account.country == "FR"


def test_an_agencys_siren_is_checked_next_to_its_field_and_stored_as_nine_digits(
    app, client_for, csrf_token, tenant_ids
):
    client = client_for("resilimo")
    wrong = sign_up(client, csrf_token, AGENCY_FORM, AGENCY, siren="123 456 789")
    assert wrong.status_code == 200
    assert error_of(wrong, "siren") == (
        "Ce numéro SIREN n'est pas valide : 9 chiffres, par exemple 732 829 320."
    )
    assert 'value="123 456 789"' in wrong.get_data(as_text=True)  # nothing typed is lost
    missing = sign_up(client, csrf_token, AGENCY_FORM, AGENCY, siren="")
    assert error_of(missing, "siren") == "Ce champ est obligatoire."
    assert stored(app, tenant_ids["resilimo"], AGENCY["email"]) is None

    assert sign_up(client, csrf_token, AGENCY_FORM, AGENCY).status_code == 302
    account = stored(app, tenant_ids["resilimo"], AGENCY["email"])
    assert (account.siren, account.siren_display) == ("732829320", "732 829 320")


# --- Account pages and menus ----------------------------------------------------------------------


@pytest.fixture
def member(make_account, logged_in):
    account = make_account("msr", email="marie.roux@ferme-roux.fr", kind="member")
    return logged_in(account), account


@pytest.fixture
def agency(make_account, logged_in):
    account = make_account("resilimo", kind="agency")
    return logged_in(account), account


@pytest.fixture
def sales_agent(make_account, logged_in):
    account = make_account("horizon", email="lea@horizon-conseil.fr", kind="sales_agent")
    return logged_in(account), account


def menu_of(response) -> list[str]:
    page = html.unescape(response.get_data(as_text=True))
    nav = page[page.index('class="account-nav"') :]
    nav = nav[: nav.index("</aside>")]
    return [re.sub(r"\s+", " ", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", nav)]


def test_a_member_never_meets_letters_credit_mandates_letterhead_or_collaborators(member):
    client, account = member
    for path in ("/compte/", "/compte/coordonnees"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible(response).casefold()
        for word in AGENT_WORDS:
            assert word not in text, (path, word)
    overview = visible(client.get("/compte/"))
    assert "Jean Fournier" in overview  # the holder's name stands where an agency's would
    assert "Exploitant" in overview  # the member's category
    assert "Avant d'envoyer votre premier courrier" not in overview
    assert "Changer de profil" not in overview
    # The pages themselves do not exist for a member.
    for path in ("/compte/utilisateurs", "/compte/utilisateurs/nouveau", "/compte/entete"):
        assert client.get(path).status_code == 404, path


def test_menus_follow_the_kind_of_account(member, agency, sales_agent):
    agency_menu = menu_of(agency[0].get("/compte/"))
    for label in (
        "Mon compte",
        "Modifier mes coordonnées",
        "Achat de crédits",
        "Facturation",
        "En-tête des lettres",
        "Gérer les utilisateurs du compte",
        "Changer mon mot de passe",
    ):
        assert label in agency_menu, label
    member_menu = menu_of(member[0].get("/compte/"))
    assert "Modifier mes coordonnées" in member_menu
    for label in member_menu:
        for word in AGENT_WORDS:
            assert word not in label.casefold(), label
    # A mutual's sales agent: the mutual pays, no letters are sent in their name, no team.
    agent_menu = menu_of(sales_agent[0].get("/compte/?lang=fr"))  # horizon speaks English first
    assert "Modifier mes coordonnées" in agent_menu
    for label in ("Achat de crédits", "Facturation", "En-tête des lettres"):
        assert label not in agent_menu, label
    assert "Gérer les utilisateurs du compte" not in agent_menu


def test_the_account_menu_folds_behind_a_summary_without_javascript(member, agency):
    """On a phone the menu waits behind « Mon compte — menu » (a closed <details>; the style
    sheet keeps it open on wide screens), the page's content first."""
    for client, _ in (member, agency):
        page = client.get("/compte/coordonnees").get_data(as_text=True)
        aside = page[page.index('class="account-nav"') : page.index("</aside>")]
        folded = re.search(r"<details class=\"account-nav__toggle\"( open)?>", aside)
        assert folded and folded.group(1) is None  # closed until asked
        summary = aside[aside.index("<summary") : aside.index("</summary>")]
        assert "Mon compte — menu" in summary
        menu = aside[aside.index("</summary>") : aside.index("</details>")]
        assert 'aria-current="page">Modifier mes coordonnées</a>' in menu
        assert "<script" not in page[page.index('class="account-nav"') :]


def test_the_agency_overview_lists_its_sending_conditions_as_links(agency):
    client, _ = agency
    page = client.get("/compte/").get_data(as_text=True)
    assert "Avant d'envoyer votre premier courrier" in html.unescape(page)
    items = re.findall(r'<li data-done="(?:true|false)" data-code="([^"]+)">\s*(<a href)?', page)
    codes = [code for code, _ in items]
    assert "credits.balance" in codes and "verification.document" in codes
    assert all(link for _, link in items), items  # every item is a link


def test_a_tenant_without_a_sending_service_shows_no_sending_checklist(sales_agent):
    client, _ = sales_agent
    text = visible(client.get("/compte/?lang=fr"))
    assert "Avant d'envoyer votre premier courrier" not in text
    assert "Horizon Mutuelle — agence de La Rochelle" in text  # the point of sale
    assert "N° ORIAS" in text


def test_the_agency_details_show_the_account_its_credit_and_the_buy_button(app, agency):
    from portal.core.credits.ledger import adjust

    client, ref = agency
    with app.app_context(), tenant_scope(ref.tenant_id):
        account = db.session.get(Account, ref.id)
        adjust(account, 4250, reason="test", idempotency_key="kinds-test", actor_label="test")
        db.session.commit()
    response = client.get("/compte/coordonnees")
    text = visible(response)
    assert f"Compte utilisateur : {ref.email}" in text
    assert "Crédit : 42,50 €" in text
    page = response.get_data(as_text=True)
    assert '<a class="button" href="/compte/credits">Acheter des crédits</a>' in page
    assert "N° SIREN" in text
    assert 'value="732 829 320"' in page
    activated = page[page.index('id="activated"') - 60 : page.index('id="activated"') + 60]
    assert "checked" in activated and "Activé" in text


def test_details_show_no_credit_where_accounts_do_not_pay(member, sales_agent):
    for client, _ in (member, sales_agent):
        response = client.get("/compte/coordonnees?lang=fr")
        text = visible(response)
        assert "Crédit" not in text and "Acheter des crédits" not in text
        assert "Activé" in text
    # A sales agent's organisation is the point of sale they work for.
    text = visible(sales_agent[0].get("/compte/coordonnees?lang=fr"))
    assert "Agence ou point de vente" in text and "Nom commercial" not in text


def test_another_tenants_account_details_are_never_shown(member, agency):
    client, _ = member
    _, agency_ref = agency
    text = visible(client.get("/compte/coordonnees"))
    assert agency_ref.email not in text
    # A collaborator's page of the agency, asked from the member's session: no such page.
    assert client.get(f"/compte/utilisateurs/{agency_ref.holder_profile_id}").status_code == 404


# --- Closure and export ---------------------------------------------------------------------------


def test_a_members_closure_email_names_the_member_and_the_purge_erases_the_siren(
    app, member, agency, post_form, sent_emails
):
    from portal.core.accounts.closure import purge, request_closure
    from portal.core.accounts.export import account_files
    from portal.core.tenants import tenant_directory

    _, member_ref = member
    with app.test_request_context("/", base_url="http://msr.localhost"):
        app.preprocess_request()
        with tenant_scope(member_ref.tenant_id):
            account = db.session.get(Account, member_ref.id)
            request_closure(
                account, account.holder_profile, tenant_directory().get(member_ref.tenant_id)
            )
            db.session.commit()
    [email] = [e for e in sent_emails(member_ref.tenant_id) if "clôture" in e.subject]
    assert "la demande de clôture du compte Jean Fournier." in email.body_text

    _, agency_ref = agency
    with app.app_context(), tenant_scope(agency_ref.tenant_id):
        account = db.session.get(Account, agency_ref.id)
        [csv] = [f for f in account_files(account) if f.path == "account.csv"]
        assert re.search(rb"^siren[,;]732829320\r?$", csv.data, re.M)
        purge(account)
        db.session.commit()
        assert (account.siren, account.category) == (None, None)


def test_the_sending_checklist_comes_from_the_enabled_sending_services_only(
    app, member, agency, sales_agent
):
    from portal.core.accounts.kinds import account_area
    from portal.core.tenants import tenant_directory
    from portal.core.verification.readiness import readiness

    expected = {"resilimo": True, "msr": False, "horizon": False}
    for _, ref in (member, agency, sales_agent):
        with app.test_request_context("/"), tenant_scope(ref.tenant_id):
            tenant = tenant_directory().get(ref.tenant_id)
            account = db.session.get(Account, ref.id)
            assert account_area(tenant).sends is expected[ref.slug], ref.slug
            assert bool(readiness(account, tenant)) is expected[ref.slug], ref.slug
