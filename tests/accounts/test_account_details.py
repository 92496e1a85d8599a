"""Account details: only the email and the phone are the user's to change."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import delete, select

from portal.core.accounts.models import Account
from portal.core.devbox import DevboxMessage
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def signed_in(client_for, make_account, sign_in):
    account = make_account()
    client = client_for("resilimo")
    sign_in(client, account, account.holder_profile_id)
    return client, account


def stored(app, account) -> Account:
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Account, account.id)


@pytest.fixture
def audit_actions(new_audit_entries):
    def actions(account) -> list[str]:
        return [e.action for e in new_audit_entries(account.tenant_id) if e.actor_id == account.id]

    return actions


def test_everything_is_greyed_but_the_email_and_the_phone(signed_in):
    client, _ = signed_in
    page = html.unescape(client.get("/compte/coordonnees").get_data(as_text=True))
    assert "Informations" in page and "Coordonnées" in page
    for field_id in ("first_name", "last_name", "commercial_name", "orias", "address", "city"):
        assert f'id="{field_id}" type="text" value=' in page
        tag = page[page.index(f'id="{field_id}"') :].split(">", 1)[0]
        assert "disabled" in tag, field_id
    for name in ("email", "phone"):
        tag = page[page.index(f'name="{name}"') :].split(">", 1)[0]
        assert "disabled" not in tag, name
    assert "Agence Fournier Assurances" in page
    assert "Pour toute autre modification, faites une" in page


def test_the_phone_changes_directly_and_nothing_else_does(app, signed_in, post_form, audit_actions):
    client, account = signed_in
    response = post_form(
        client,
        "/compte/coordonnees",
        {
            "email": account.email,
            "phone": "04 76 11 22 33",
            "commercial_name": "Nouveau nom",
            "city": "Paris",
        },
    )
    assert response.status_code == 302
    row = stored(app, account)
    assert row.phone == "+33476112233"
    assert row.commercial_name == "Agence Fournier Assurances" and row.city == "Grenoble"
    assert "account.phone_changed" in audit_actions(account)
    page = html.unescape(client.get("/compte/coordonnees").get_data(as_text=True))
    assert "Votre numéro de téléphone est modifié." in page and 'value="04 76 11 22 33"' in page


def test_a_wrong_phone_is_explained_and_kept(app, signed_in, post_form):
    client, account = signed_in
    response = post_form(client, "/compte/coordonnees", {"email": account.email, "phone": "123"})
    page = html.unescape(response.get_data(as_text=True))
    assert "Ce numéro de téléphone n'est pas valide." in page and 'value="123"' in page
    assert stored(app, account).phone == "+33476000000"


def test_a_new_email_needs_the_password(app, signed_in, post_form, tenant_ids, audit_actions):
    client, account = signed_in
    new = "nouvelle@agence-fournier.fr"
    for password in ("", "wrong-password"):
        response = post_form(
            client,
            "/compte/coordonnees",
            {"email": new, "phone": "04 76 00 00 00", "current_password": password},
        )
        page = html.unescape(response.get_data(as_text=True))
        assert "Saisissez votre mot de passe actuel pour changer l'adresse e-mail." in page
        assert f'value="{new}"' in page  # what was typed is kept
        assert stored(app, account).email == account.email

    response = post_form(
        client,
        "/compte/coordonnees",
        {"email": new, "phone": "04 76 00 00 00", "current_password": account.password},
    )
    assert response.status_code == 302
    assert stored(app, account).email == new
    assert "account.email_changed" in audit_actions(account)
    # The session goes on, and a notice went to the old address.
    assert client.get("/compte/coordonnees").status_code == 200
    drain(app)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        notices = db.session.scalars(select(DevboxMessage)).all()
    assert [m.recipients for m in notices] == [account.email]
    assert "L'adresse e-mail de votre compte a été modifiée" in notices[0].subject
    assert new in notices[0].body_text


def test_after_an_email_change_replies_and_alerts_go_to_the_new_address(
    app, signed_in, post_form, tenant_ids
):
    client, account = signed_in
    new = "nouvelle@agence-fournier.fr"
    post_form(
        client,
        "/compte/coordonnees",
        {"email": new, "phone": "04 76 00 00 00", "current_password": account.password},
    )
    drain(app)  # the notice to the old address
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        db.session.execute(delete(DevboxMessage))
        db.session.commit()
    post_form(
        client,
        "/messagerie/aide/nouvelle",
        {
            "subject": "mon-compte/modifier-informations",
            "body": "Bonjour, merci de mettre à jour l'adresse de l'agence.",
        },
        content_type="multipart/form-data",
    )
    drain(app)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        sent = db.session.scalars(select(DevboxMessage.recipients)).all()
    assert new in sent and account.email not in sent


def test_an_email_used_by_another_account_is_refused(app, signed_in, make_account, post_form):
    client, account = signed_in
    make_account(email="pris@agence-fournier.fr")
    response = post_form(
        client,
        "/compte/coordonnees",
        {
            "email": "Pris@agence-fournier.fr",
            "phone": "04 76 00 00 00",
            "current_password": account.password,
        },
    )
    page = html.unescape(response.get_data(as_text=True))
    assert "Un autre compte utilise déjà cette adresse e-mail." in page
    assert stored(app, account).email == account.email


def test_the_same_email_on_another_tenant_is_not_a_clash(app, signed_in, make_account, post_form):
    client, account = signed_in
    make_account("msr", email="ailleurs@agence-fournier.fr")
    response = post_form(
        client,
        "/compte/coordonnees",
        {
            "email": "ailleurs@agence-fournier.fr",
            "phone": "04 76 00 00 00",
            "current_password": account.password,
        },
    )
    assert response.status_code == 302
    assert stored(app, account).email == "ailleurs@agence-fournier.fr"


def test_guessing_the_password_through_this_form_is_throttled(app, signed_in, post_form):
    client, account = signed_in
    statuses = [
        post_form(
            client,
            "/compte/coordonnees",
            {
                "email": "pirate@agence-fournier.fr",
                "phone": "04 76 00 00 00",
                "current_password": f"guess-{n}",
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert stored(app, account).email == account.email
