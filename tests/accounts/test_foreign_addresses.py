"""Foreign addresses (issue 12, point 6): where a tenant allows them (``[accounts]
foreign_addresses``, on for horizon, which serves expatriates) the address has a country and that
country's postal code; elsewhere only French addresses and 5-digit postal codes."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.core.accounts.invitations import invite_account
from portal.core.accounts.models import Account
from portal.core.accounts.validators import AccountDataError
from portal.core.tenants import tenant_scope
from portal.extensions import db

STAFF = SimpleNamespace(id=9, email="admin@portail.test")

EXPATRIATE = {
    "email": "tom.bernard@example.co.uk",
    "first_name": "Tom",
    "last_name": "Bernard",
    "commercial_name": "Horizon — bureau de Londres",
    "address": "10 Downing Street",
    "postal_code": "sw1a 2aa",
    "city": "London",
    "country": "GB",
    "phone": "+44 20 7946 0958",
}


def invite(app, tenant_id, **values) -> SimpleNamespace:
    with app.app_context(), tenant_scope(tenant_id):
        account = invite_account(**values, staff=STAFF)
        db.session.commit()
        return SimpleNamespace(
            country=account.country, postal_code=account.postal_code, phone=account.phone
        )


def test_horizon_invites_an_expatriate_with_a_foreign_postal_code_and_phone(app, tenant_ids):
    account = invite(app, tenant_ids["horizon"], **EXPATRIATE)
    assert (account.country, account.postal_code, account.phone) == (
        "GB",
        "SW1A 2AA",
        "+442079460958",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "FR"}, "postal_code"),  # a French address keeps its 5 digits
        ({"postal_code": "S"}, "postal_code"),  # too short
        ({"postal_code": "SW1A 2AA 12345"}, "postal_code"),  # too long (13)
        ({"postal_code": "SW1A/2AA"}, "postal_code"),  # letters, digits, spaces, dashes only
        ({"country": "XX"}, "country"),  # no such country
    ],
)
def test_horizon_refuses_what_is_no_postal_code_of_the_country(app, tenant_ids, changes, field):
    with pytest.raises(AccountDataError) as error:
        invite(app, tenant_ids["horizon"], **{**EXPATRIATE, **changes})
    assert error.value.field == field


def test_a_french_only_tenant_refuses_an_address_abroad(app, tenant_ids):
    values = {**EXPATRIATE, "siren": "732 829 320", "commercial_name": "Agence Bernard"}
    with pytest.raises(AccountDataError) as error:
        invite(app, tenant_ids["resilimo"], **values)
    assert error.value.field == "country"
    assert str(error.value.message) == "Seules les adresses en France sont acceptées."
    with pytest.raises(AccountDataError) as error:
        invite(app, tenant_ids["resilimo"], **{**values, "country": "FR"})
    assert error.value.field == "postal_code"
    assert str(error.value.message) == "Le code postal comporte 5 chiffres."


def test_the_french_only_sign_up_has_no_country_and_refuses_a_foreign_postal_code(
    client_for, csrf_token
):
    client = client_for("resilimo")
    page = client.get("/inscription?etape=formulaire&sans_orias=1").get_data(as_text=True)
    assert 'name="country"' not in page
    response = client.post(
        "/inscription",
        data={
            "csrf_token": csrf_token(page),
            "email": "tom@agence.fr",
            "postal_code": "SW1A 2AA",
            "country": "GB",  # not a field of this form: ignored
        },
    )
    text = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="postal_code-error">Le code postal comporte 5 chiffres\.', text)


def test_the_sign_up_form_of_a_tenant_with_addresses_abroad_asks_the_country(app):
    from portal.core.accounts.auth.forms import SignupForm
    from portal.core.accounts.kinds import KINDS

    data = MultiDict(
        {
            **EXPATRIATE,
            "password": "Durant-Agence-2024!",
            "password_confirm": "Durant-Agence-2024!",
            "accept_terms": "y",
        }
    )
    with app.test_request_context("/", base_url="http://horizon.localhost"):
        app.preprocess_request()
        form = SignupForm(
            data, kind=KINDS["sales_agent"], foreign_addresses=True, meta={"csrf": False}
        )
        assert form.country is not None and form.country.choices[0][0] == "FR"
        assert ("GB", "Royaume-Uni") in form.country.choices or (
            "GB",
            "United Kingdom",
        ) in form.country.choices
        assert form.validate(), form.errors
        data["country"] = "FR"
        form = SignupForm(
            data, kind=KINDS["sales_agent"], foreign_addresses=True, meta={"csrf": False}
        )
        assert not form.validate()
        assert list(form.errors) == ["postal_code"]


def test_the_details_page_shows_the_country_and_takes_a_foreign_phone(
    app, make_account, logged_in, post_form
):
    account = make_account(
        "horizon",
        email=EXPATRIATE["email"],
        kind="sales_agent",
        country="GB",
        postal_code="SW1A 2AA",
        city="London",
        phone="+442079460958",
    )
    client = logged_in(account)
    text = html.unescape(client.get("/compte/coordonnees?lang=fr").get_data(as_text=True))
    assert 'value="Royaume-Uni"' in text and 'value="+44 20 7946 0958"' in text
    assert 'value="SW1A 2AA"' in text
    english = html.unescape(client.get("/compte/coordonnees?lang=en").get_data(as_text=True))
    assert 'value="United Kingdom"' in english
    response = post_form(
        client,
        "/compte/coordonnees?lang=fr",
        {"email": account.email, "phone": "+44 20 7946 0000", "current_password": ""},
    )
    assert response.status_code == 302
    with app.app_context(), tenant_scope(account.tenant_id):
        assert db.session.get(Account, account.id).phone == "+442079460000"


def test_a_french_only_tenant_refuses_a_foreign_phone_on_the_details_page(
    make_account, logged_in, post_form
):
    account = make_account("resilimo", kind="agency")
    client = logged_in(account)
    assert 'name="country"' not in client.get("/compte/coordonnees").get_data(as_text=True)
    response = post_form(
        client,
        "/compte/coordonnees",
        {"email": account.email, "phone": "+44 20 7946 0958", "current_password": ""},
    )
    assert response.status_code == 200
    assert "Ce numéro de téléphone n'est pas valide." in html.unescape(
        response.get_data(as_text=True)
    )
