"""Users of the account ("utilisateurs du compte") and the choice of profile after login."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from portal.core.accounts.models import Profile
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import create_profile


def add_profile(app, account, name, active=True, email="collab@agence-fournier.fr"):
    return create_profile(app, account, name, active=active, email=email)


def profile_row(app, account, profile_id):
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Profile, profile_id)


@pytest.fixture
def holder(client_for, make_account, sign_in):
    account = make_account()
    client = client_for("resilimo")
    sign_in(client, account, account.holder_profile_id)
    return client, account


def test_the_holder_lists_creates_and_deactivates_users(app, holder, post_form, new_audit_entries):
    client, account = holder
    page = client.get("/compte/utilisateurs").get_data(as_text=True)
    assert "Nous vous conseillons de créer des utilisateurs différents" in page
    assert "Jean Fournier" in page and "ACTIF" in page

    response = post_form(
        client,
        "/compte/utilisateurs/nouveau",
        {
            "name": "Charlotte",
            "email": "Charlotte@Agence-Fournier.fr",
            "phone": "06 00 00 00 00",
            "mobile": "",
            "active": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/compte/utilisateurs").get_data(as_text=True)
    assert (
        "Charlotte" in page and "charlotte@agence-fournier.fr" in page and "06 00 00 00 00" in page
    )

    with app.app_context(), tenant_scope(account.tenant_id):
        charlotte = db.session.scalar(select(Profile).where(Profile.name == "Charlotte"))
    response = post_form(
        client,
        f"/compte/utilisateurs/{charlotte.id}",
        {"name": "Charlotte", "email": "charlotte@agence-fournier.fr", "phone": "", "mobile": ""},
    )  # "active" unticked
    assert response.status_code == 302
    assert profile_row(app, account, charlotte.id).active is False
    assert "INACTIF" in client.get("/compte/utilisateurs").get_data(as_text=True)
    actions = [
        e.action
        for e in new_audit_entries(account.tenant_id)
        if e.target_type == "Profile" and e.target_id == charlotte.id
    ]
    assert {"account.profile_created", "account.profile_deactivated"} <= set(actions)


def test_bad_input_is_explained_next_to_the_field_and_kept(holder, post_form):
    client, _ = holder
    response = post_form(
        client,
        "/compte/utilisateurs/nouveau",
        {"name": "Emma", "email": "emma@agence-fournier.fr", "phone": "12", "mobile": ""},
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Ce numéro de téléphone n'est pas valide." in page
    assert 'value="Emma"' in page and 'value="emma@agence-fournier.fr"' in page
    duplicate = post_form(
        client,
        "/compte/utilisateurs/nouveau",
        {"name": "jean fournier", "email": "x@agence-fournier.fr", "phone": "", "mobile": ""},
    )
    assert "Un utilisateur de ce compte porte déjà ce nom." in duplicate.get_data(as_text=True)


def test_the_holder_profile_cannot_be_deactivated(app, holder, post_form):
    client, account = holder
    page = client.get(f"/compte/utilisateurs/{account.holder_profile_id}").get_data(as_text=True)
    assert 'name="active"' not in page
    response = post_form(
        client,
        f"/compte/utilisateurs/{account.holder_profile_id}",
        {"name": "Jean F.", "email": account.email, "phone": "", "mobile": ""},
    )
    assert response.status_code == 302
    holder_profile = profile_row(app, account, account.holder_profile_id)
    assert holder_profile.active is True and holder_profile.name == "Jean F."


def test_a_collaborator_cannot_manage_the_account(
    app, client_for, make_account, csrf_token, sign_in
):
    account = make_account()
    collaborator = add_profile(app, account, "Emma")
    client = client_for("resilimo")
    sign_in(client, account, collaborator, reauth=True)
    for path in (
        "/compte/utilisateurs",
        "/compte/utilisateurs/nouveau",
        f"/compte/utilisateurs/{account.holder_profile_id}",
        "/compte/entete",
        "/compte/entete/apercu.pdf",
        "/compte/cloture",
        "/compte/export.zip",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client.get("/compte/coordonnees").get_data(as_text=True))
    for path in ("/compte/cloture", "/compte/utilisateurs/nouveau", "/compte/entete/ajouter"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    # Pages for every profile still open, and say who is at work.
    overview = client.get("/compte/")
    assert overview.status_code == 200
    assert "data-current-profile>Emma<" in overview.get_data(as_text=True)
    assert "/compte/utilisateurs" not in overview.get_data(as_text=True)


def test_a_deactivated_profile_is_not_offered_and_cannot_be_chosen(
    app, client_for, make_account, csrf_token, sign_in
):
    account = make_account()
    emma = add_profile(app, account, "Emma")
    gone = add_profile(app, account, "Ancien collaborateur", active=False)
    client = client_for("resilimo")
    sign_in(client, account)  # logged in, no profile chosen yet

    assert client.get("/compte/").status_code == 302  # a profile must be chosen first
    page = client.get("/compte/profil").get_data(as_text=True)
    assert f'value="{emma}"' in page and "Jean Fournier" in page
    assert "Ancien collaborateur" not in page and f'value="{gone}"' not in page

    response = client.post(
        "/compte/profil", data={"csrf_token": csrf_token(page), "profile_id": gone}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "profile_id" not in session
    assert client.get("/compte/").status_code == 302


def test_choosing_a_profile_then_going_back_where_the_user_was(
    app, client_for, make_account, csrf_token, sign_in
):
    account = make_account()
    emma = add_profile(app, account, "Emma")
    client = client_for("resilimo")
    sign_in(client, account)
    page = client.get("/compte/profil?next=/compte/coordonnees").get_data(as_text=True)
    response = client.post(
        "/compte/profil",
        data={"csrf_token": csrf_token(page), "profile_id": emma, "next": "/compte/coordonnees"},
    )
    assert response.headers["Location"].endswith("/compte/coordonnees")
    assert "data-current-profile>Emma<" in client.get("/compte/").get_data(as_text=True)

    # Changing profile is possible at any time; a foreign "next" is ignored.
    response = client.post(
        "/compte/profil",
        data={
            "csrf_token": csrf_token(page),
            "profile_id": account.holder_profile_id,
            "next": "https://evil.test/",
        },
    )
    assert response.status_code == 302
    assert "evil.test" not in response.headers["Location"]
    assert "data-current-profile>Jean Fournier<" in client.get("/compte/").get_data(as_text=True)


def test_another_accounts_profile_is_not_found(app, client_for, make_account, csrf_token, sign_in):
    mine = make_account()
    other = make_account(email="autre@agence-fournier.fr")
    theirs = add_profile(app, other, "Paul")
    elsewhere = make_account("msr", email="agent@msr-agence.fr")
    client = client_for("resilimo")
    sign_in(client, mine, mine.holder_profile_id)
    token = csrf_token(client.get("/compte/profil").get_data(as_text=True))
    for profile_id in (theirs, other.holder_profile_id, elsewhere.holder_profile_id):
        assert client.get(f"/compte/utilisateurs/{profile_id}").status_code == 404
        response = client.post(
            f"/compte/utilisateurs/{profile_id}",
            data={"csrf_token": token, "name": "X", "email": "x@agence-fournier.fr", "active": "y"},
        )
        assert response.status_code == 404
        response = client.post(
            "/compte/profil", data={"csrf_token": token, "profile_id": profile_id}
        )
        assert response.status_code == 404
    assert profile_row(app, other, theirs).name == "Paul"


def test_the_overview_links_every_page_and_shows_the_checklist(holder):
    client, _ = holder
    page = html.unescape(client.get("/compte/").get_data(as_text=True))
    for path in (
        "/compte/coordonnees",
        "/compte/entete",
        "/compte/utilisateurs",
        "/compte/cloture",
        "/compte/export.zip",
        "/compte/profil",
    ):
        assert path in page, path
    assert "Avant d'envoyer votre premier courrier" in page
    assert "Agence Fournier Assurances" in page


def test_pages_need_a_login(client_for):
    client = client_for("resilimo")
    for path in ("/compte/", "/compte/profil", "/compte/utilisateurs", "/compte/coordonnees"):
        response = client.get(path)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
