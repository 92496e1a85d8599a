"""Operator tools on an account (issue 12, point 6): details changed after a help request, a
collaborator's profile deactivated or erased, a mandate request noted; the account page shows
the balance with the credit actions."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from bokit import audit_entries, post_form
from webkit import devbox

from portal.core.accounts.models import Account, Profile
from portal.core.backoffice.models import MandateRecord, StaffRole
from portal.core.credits import ledger
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

DETAILS = {
    "last_name": "Durand-Martin",
    "first_name": "Camille",
    "email": "camille@nouvelle-agence.fr",
    "commercial_name": "Agence Durand-Martin",
    "orias": "87 654 321",
    "siren": "732 829 320",
    "affiliation": "",
    "address": "12 avenue Foch",
    "address2": "",
    "postal_code": "69006",
    "city": "Lyon",
    "phone": "04 72 00 00 00",
    "mobile": "06 11 22 33 44",
    "reason": "Demande d'aide M-000042",
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(page: str) -> str:
    """The page's own content, without the menu."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _account(app, account_id: int) -> Account:
    with app.app_context(), unscoped():
        account = db.session.get(Account, account_id)
        db.session.expunge(account)
        return account


def test_operator_changes_the_details_and_the_holder_profile_follows(
    app, staff_client, make_account, tenant_ids
):
    agency = make_account(
        "resilimo",
        email="camille@agence-durand.fr",
        first_name="Camille",
        last_name="Durand",
        commercial_name="Agence Durand",
    )
    client, staff = staff_client(StaffRole.SUPPORT)
    url = f"/backoffice/comptes/{agency.id}/coordonnees"
    form = text(client.get(url))
    assert "Agence Durand" in form and "SIREN" in form and 'name="category"' not in form

    response = post_form(client, url, DETAILS)
    assert response.status_code == 302, text(response)
    assert "Coordonnées du compte modifiées." in text(client.get(response.location))

    account = _account(app, agency.id)
    assert (account.last_name, account.commercial_name, account.city) == (
        "Durand-Martin",
        "Agence Durand-Martin",
        "Lyon",
    )
    assert (account.orias, account.siren, account.phone, account.mobile) == (
        "87654321",
        "732829320",
        "+33472000000",
        "+33611223344",
    )
    assert account.email == "camille@nouvelle-agence.fr"
    with app.app_context(), tenant_scope(agency.tenant_id):
        holder = db.session.get(Profile, agency.holder_profile_id)
        # Replies and alerts reach the holder at the new address, under the new name.
        assert (holder.name, holder.email, holder.phone) == (
            "Camille Durand-Martin",
            "camille@nouvelle-agence.fr",
            "+33472000000",
        )
    [entry] = audit_entries(app, "account.details_changed_by_staff", target_id=agency.id)
    assert entry.actor_label == staff.email and entry.details["reason"] == DETAILS["reason"]
    assert {"email", "last_name", "siren", "city"} <= set(entry.details["fields"])
    # The old address is told, in the tenant's language.
    [notice] = [
        m
        for m in devbox(app, agency.tenant_id, "email")
        if "camille@agence-durand.fr" in m.recipients
    ]
    assert "camille@nouvelle-agence.fr" in notice.body_text
    # The account's page says what happened, in words.
    page = text(client.get(f"/backoffice/comptes/{agency.id}"))
    assert "Coordonnées modifiées par un opérateur" in page
    assert "Demande d'aide M-000042" in page and "732 829 320" in page


def test_the_new_email_must_be_free_on_the_tenant_and_a_reason_is_required(
    app, staff_client, make_account
):
    make_account("resilimo", email="pris@agence.fr")
    make_account("msr", email="libre-ailleurs@agence.fr")
    agency = make_account("resilimo", email="camille@agence-durand.fr")
    client, _ = staff_client(StaffRole.SUPPORT)
    url = f"/backoffice/comptes/{agency.id}/coordonnees"

    refused = post_form(client, url, {**DETAILS, "email": "PRIS@agence.fr"})
    assert refused.status_code == 422
    assert "Un autre compte de ce portail utilise déjà cette adresse e-mail." in text(refused)
    refused = post_form(client, url, {**DETAILS, "reason": "", "postal_code": "6900"})
    assert "Indiquez le motif de la modification." in text(refused)
    assert "Le code postal comporte 5 chiffres." in text(refused)
    assert _account(app, agency.id).email == "camille@agence-durand.fr"

    # The same address on another tenant is no clash (emails are unique per tenant).
    done = post_form(client, url, {**DETAILS, "email": "libre-ailleurs@agence.fr"})
    assert done.status_code == 302
    assert _account(app, agency.id).email == "libre-ailleurs@agence.fr"


def test_a_member_has_no_company_fields_but_a_category(app, staff_client, make_account):
    member = make_account(
        "msr", email="paul@exploitation.fr", commercial_name="", orias=None, category="farmer"
    )
    client, _ = staff_client(StaffRole.SUPPORT)
    url = f"/backoffice/comptes/{member.id}/coordonnees"
    form = text(client.get(url))
    assert 'name="category"' in form and "Exploitant" in form
    for absent in ('name="commercial_name"', 'name="orias"', 'name="siren"'):
        assert absent not in form
    data = {
        k: v
        for k, v in DETAILS.items()
        if k not in ("commercial_name", "orias", "siren", "affiliation")
    }
    response = post_form(client, url, {**data, "category": "employer"})
    assert response.status_code == 302, text(response)
    account = _account(app, member.id)
    assert account.category == "employer" and account.commercial_name == ""
    page = main_of(text(client.get(f"/backoffice/comptes/{member.id}")))
    assert "Employeur" in page and "Adhérent" in page
    assert "Crédit" not in page and "Mandat de la plateforme" not in page


def test_collaborator_profile_deactivated_reactivated_then_erased(
    app, staff_client, make_account, make_profile, csrf_token
):
    agency = make_account("resilimo", email="holder@agence.fr")
    collaborator = make_profile(
        agency, name="Léa Martin", email="lea@agence.fr", phone="+33612345678"
    )
    client, staff = staff_client(StaffRole.SUPPORT)
    page_url = f"/backoffice/comptes/{agency.id}"
    base = f"{page_url}/utilisateurs/{collaborator}"

    response = post_form(client, page_url, {}, action=f"{base}/desactiver")
    assert response.status_code == 302
    page = text(client.get(page_url))
    assert "Profil désactivé" in page and 'data-state="inactive"' in page
    response = post_form(client, page_url, {}, action=f"{base}/reactiver")
    assert 'data-state="active"' in text(client.get(page_url))

    confirm = text(client.get(f"{base}/effacer"))
    assert "supprimés définitivement" in confirm
    response = post_form(client, f"{base}/effacer", {})
    assert response.status_code == 302
    with app.app_context(), tenant_scope(agency.tenant_id):
        profile = db.session.get(Profile, collaborator)
        # The row stays for what it managed; the person is gone.
        assert (profile.active, profile.email, profile.phone) == (False, "", None)
        assert "Léa" not in profile.name
    page = text(client.get(page_url))
    assert "Léa Martin" not in page.split("Journal d'audit de ce compte")[0]
    assert f"Utilisateur effacé n° {collaborator}" in page and 'data-state="erased"' in page
    assert audit_entries(
        app, "account.profile_erased", target_id=collaborator, actor_label=staff.email
    )
    # Erased: no way back.
    refused = post_form(client, page_url, {}, action=f"{base}/reactiver")
    assert "Ce profil a été effacé" in text(client.get(refused.location))


def test_the_holder_profile_is_neither_deactivated_nor_erased(app, staff_client, make_account):
    agency = make_account("resilimo", email="holder@agence.fr")
    client, _ = staff_client(StaffRole.SUPPORT)
    page_url = f"/backoffice/comptes/{agency.id}"
    base = f"{page_url}/utilisateurs/{agency.holder_profile_id}"
    response = post_form(client, page_url, {}, action=f"{base}/desactiver")
    assert "ne peut pas être désactivé" in text(client.get(response.location))
    response = post_form(client, page_url, {}, action=f"{base}/effacer")
    assert "ne peut pas être effacé" in text(client.get(response.location))
    with app.app_context(), tenant_scope(agency.tenant_id):
        holder = db.session.get(Profile, agency.holder_profile_id)
        assert holder.active and holder.email == "holder@agence.fr"


def test_a_profile_of_another_account_is_a_404(app, staff_client, make_account, make_profile):
    one = make_account("resilimo", email="one@agence.fr")
    other = make_account("msr", email="other@agence.fr")
    foreign = make_profile(other, name="Quelqu'un")
    client, _ = staff_client(StaffRole.SUPPORT)
    page_url = f"/backoffice/comptes/{one.id}"
    for action in ("desactiver", "effacer"):
        response = post_form(
            client, page_url, {}, action=f"{page_url}/utilisateurs/{foreign}/{action}"
        )
        assert response.status_code == 404
    assert client.get(f"{page_url}/utilisateurs/{foreign}/effacer").status_code == 404
    assert client.get("/backoffice/comptes/999999/coordonnees").status_code == 404


def test_mandate_request_noted_and_shown_on_the_account_page(app, staff_client, make_account):
    agency = make_account("resilimo", email="holder@agence.fr")
    client, staff = staff_client(StaffRole.SUPPORT, name="Nadia Opératrice")
    url = f"/backoffice/comptes/{agency.id}/mandats/noter"
    form = text(client.get(url))
    for label in ("Demandé par le titulaire", "Reçu signé", "Demande d'aide", "Courrier papier"):
        assert label in form
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    refused = post_form(
        client,
        url,
        {"event": "requested", "channel": "help_request", "occurred_on": tomorrow, "person": ""},
    )
    assert refused.status_code == 422
    assert "Cette date est dans le futur." in text(refused) or "Indiquez qui" in text(refused)
    response = post_form(
        client,
        url,
        {
            "event": "requested",
            "channel": "help_request",
            "occurred_on": "2026-11-30",
            "person": "Jean Fournier (titulaire)",
            "note": "Demande d'aide M-000007",
        },
    )
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "Note ajoutée au registre des mandats du compte." in page
    for expected in (
        "Demandé par le titulaire",
        "Demande d'aide M-000007",
        "Jean Fournier (titulaire)",
        "Nadia Opératrice",
        "30 nov. 2026",
        "Mandat noté par un opérateur",
    ):
        assert expected in page, expected
    with app.app_context(), unscoped():
        [record] = db.session.query(MandateRecord).filter_by(account_id=agency.id).all()
        assert record.tenant_id == agency.tenant_id and record.staff_id == staff.id


def test_account_page_shows_the_balance_with_the_credit_actions(app, staff_client, make_account):
    agency = make_account("resilimo", email="holder@agence.fr")
    with app.app_context(), tenant_scope(agency.tenant_id):
        ledger.adjust(
            db.session.get(Account, agency.id),
            4250,
            reason="Geste commercial",
            idempotency_key="t-1",
            actor_label="test",
        )
        db.session.commit()
    client, _ = staff_client(StaffRole.SUPPORT)
    page = text(client.get(f"/backoffice/comptes/{agency.id}"))
    assert re.search(r"data-balance>\s*42,50\s€", page)
    assert f'href="/backoffice/credits/comptes/{agency.id}/ajuster"' in page
    assert "Ajustement par un opérateur" in page and "Geste commercial" in page
    # At closure, the holder asks for the refund with an IBAN; the operator executes it.
    assert "remboursement" not in main_of(page)
    with app.app_context(), unscoped():
        account = db.session.get(Account, agency.id)
        account.status = "closing"
        db.session.commit()
    page = text(client.get(f"/backoffice/comptes/{agency.id}"))
    assert "Le titulaire n'a pas demandé le remboursement du crédit restant" in page


def test_a_requested_closure_refund_is_made_from_the_account_page(app, staff_client, make_account):
    from portal.core.credits import refunds
    from portal.core.credits.billing import operations as billing
    from portal.core.tenants import tenant_directory

    ref = make_account("resilimo", email="cloture@agence.fr", status="closing")
    client, staff = staff_client(StaffRole.SUPPORT)
    with app.app_context(), unscoped():
        account = db.session.get(Account, ref.id)
        billing.adjust_credit(account, staff, 6000, "Avoir", "account-page-1")
        with tenant_scope(ref.tenant_id):
            request = refunds.request_refund(
                account,
                account.holder_profile,
                tenant_directory().get(ref.tenant_id),
                iban="FR76 3000 6000 0112 3456 7890 189",
                holder=account.holder_name,
            )
        db.session.commit()
        request_id = request.id
    page = text(client.get(f"/backoffice/comptes/{ref.id}"))
    assert f'href="/backoffice/credits/remboursements/{request_id}"' in page
    assert "Effectuer le remboursement demandé" in page
    assert "Remboursement du crédit demandé" in page  # its audit entry, in words
