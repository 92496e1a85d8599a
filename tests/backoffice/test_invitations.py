"""Invitations (tenants with ``signup = "invite"``): staff create the account, the holder gets
the link to create a first password."""

from __future__ import annotations

import html
import re

from bokit import audit_entries, make_account, post_form, unique_email
from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus
from portal.core.backoffice.models import StaffRole
from portal.core.devbox.models import DevboxMessage
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

HOLDER = {
    "last_name": "Martin",
    "first_name": "Léa",
    "commercial_name": "Martin Courtage International",
    "orias": "12 345 678",
    "affiliation": "Courtier partenaire",
    "address": "3 quai des Expatriés",
    "address2": "",
    "postal_code": "17000",
    "city": "La Rochelle",
    "phone": "05 46 00 00 00",
    "mobile": "06 12 34 56 78",
}


def test_only_invite_mode_tenants_are_offered(staff_client, tenant_ids):
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get("/backoffice/invitations").text  # horizon is the only one: chosen
    assert "Horizon Solutions+" in page and "Courtier partenaire" in page
    assert "Pas d'affiliation" in html.unescape(page)
    for slug in ("resilimo", "msr"):
        response = client.get("/backoffice/invitations", query_string={"tenant": tenant_ids[slug]})
        assert response.status_code == 404


def test_invitation_creates_the_account_and_emails_the_first_password_link(
    app, staff_client, tenant_ids
):
    tenant_id = tenant_ids["horizon"]
    client, staff = staff_client(StaffRole.SUPPORT)
    email = unique_email("invitee")
    url = f"/backoffice/invitations?tenant={tenant_id}"
    response = post_form(client, url, {**HOLDER, "email": email.upper()})
    assert response.status_code == 302
    account_id = int(re.search(r"/backoffice/comptes/(\d+)$", response.location).group(1))
    assert "Invitation envoyée" in client.get(response.location).text

    with app.app_context(), unscoped():
        account = db.session.get(Account, account_id)
        assert account.tenant_id == tenant_id and account.status is AccountStatus.INVITED
        assert account.email == email
        assert (account.orias, account.phone, account.mobile) == (
            "12345678",
            "+33546000000",
            "+33612345678",
        )
        assert account.affiliation == "Courtier partenaire" and account.address2 is None
    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        [message] = db.session.scalars(
            select(DevboxMessage).where(DevboxMessage.recipients.contains(email))
        ).all()
    [entry] = audit_entries(app, "account.invited", target_id=account_id, actor_label=staff.email)
    assert entry.actor_id == staff.id and entry.tenant_id == tenant_id


def test_bad_details_are_shown_next_to_their_fields_and_nothing_typed_is_lost(
    app, staff_client, tenant_ids
):
    tenant_id = tenant_ids["horizon"]
    with app.app_context():
        taken = make_account(tenant_id)
        with unscoped():
            taken_email = db.session.get(Account, taken).email
    client, _ = staff_client(StaffRole.SUPPORT)
    url = f"/backoffice/invitations?tenant={tenant_id}"
    bad = {
        **HOLDER,
        "email": "pas-une-adresse",
        "orias": "1234",
        "postal_code": "170",
        "phone": "12",
        "mobile": "05 46 00 00 00",  # a landline
        "city": "",
    }
    response = post_form(client, url, bad)
    assert response.status_code == 200
    for message in (
        "Adresse e-mail invalide.",
        "Le numéro ORIAS comporte 8 chiffres",
        "Le code postal comporte 5 chiffres.",
        "Ce numéro de téléphone n",  # … 'est pas valide.
        "Indiquez un numéro de téléphone portable.",
    ):
        assert message in response.text, message
    assert 'value="Martin Courtage International"' in response.text
    assert 'value="pas-une-adresse"' in response.text

    twice = post_form(client, url, {**HOLDER, "email": taken_email})
    assert twice.status_code == 200 and "Un compte existe déjà" in twice.text
    with app.app_context(), tenant_scope(tenant_id):
        assert db.session.scalar(select(Account).where(Account.email == "pas-une-adresse")) is None


def test_the_form_asks_what_the_tenants_kind_of_account_gives(app, staff_client, tenant_ids):
    """horizon invites sales agents, and serves expatriates: no SIREN (the mutual pays), an
    optional point of sale, a country and a foreign postal code and phone."""
    tenant_id = tenant_ids["horizon"]
    client, _ = staff_client(StaffRole.SUPPORT)
    url = f"/backoffice/invitations?tenant={tenant_id}"
    page = html.unescape(client.get(url).text)
    assert 'data-kind="sales_agent"' in page and "Conseiller commercial" in page
    assert 'name="siren"' not in page and 'name="category"' not in page
    assert 'name="country"' in page and "Royaume-Uni" in page
    assert re.search(r'<label for="commercial_name">Nom commercial</label>', page)  # optional

    email = unique_email("expat")
    abroad = {
        **HOLDER,
        "email": email,
        "commercial_name": "",
        "country": "GB",
        "postal_code": "sw1a 1aa",
        "city": "London",
        "phone": "+44 20 7946 0000",
        "mobile": "",
    }
    response = post_form(client, url, abroad)
    assert response.status_code == 302, response.text
    account_id = int(re.search(r"/backoffice/comptes/(\d+)$", response.location).group(1))
    with app.app_context(), unscoped():
        account = db.session.get(Account, account_id)
        assert (account.country, account.postal_code, account.phone) == (
            "GB",
            "SW1A 1AA",
            "+442079460000",
        )
        assert account.commercial_name == "" and account.siren is None
    page = html.unescape(client.get(f"/backoffice/comptes/{account_id}").text)
    assert "Royaume-Uni" in page and "Martin Léa" not in page and "Léa Martin" in page
