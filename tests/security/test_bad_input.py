"""Input no field can hold gets a clear 400, never a 500: a NUL byte in any field (PostgreSQL
refuses it in text), a control character in ``next``, a non-ASCII signature from the bank."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.core.messaging.models import Conversation
from portal.extensions import db

CONTACT = {
    "name": "Jeanne Martin",
    "email": "jeanne@exemple.fr",
    "subject": "Une question",
    "body": "Bonjour, je voudrais savoir comment résilier mon contrat d'assurance.",
}


def conversations(in_tenant) -> int:
    with in_tenant("resilimo"):
        return db.session.scalar(select(func.count()).select_from(Conversation))


def test_a_nul_byte_in_a_text_field_is_a_clear_400_and_nothing_is_stored(
    client_for, post_form, in_tenant
):
    client = client_for("resilimo")
    response = post_form(client, "/contact", {**CONTACT, "body": CONTACT["body"] + "\x00"})
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)
    assert conversations(in_tenant) == 0
    assert post_form(client, "/contact", CONTACT).status_code == 302  # the same form, clean


def test_a_nul_byte_in_a_field_name_a_query_or_a_login_is_a_400(client_for, post_form):
    client = client_for("resilimo")
    assert client.get("/contact?sujet=a%00b").status_code == 400
    assert post_form(client, "/contact", {**CONTACT, "x\x00": "1"}).status_code == 400
    login = post_form(client, "/connexion", {"email": "a\x00@exemple.fr", "password": "x"})
    assert login.status_code == 400


def test_cr_lf_in_next_is_a_400_on_the_portal_and_the_back_office(client_for, backoffice):
    injected = "/backoffice/%0D%0ASet-Cookie:%20stolen=1"
    assert client_for("resilimo").get(f"/connexion?next={injected}").status_code == 400
    assert backoffice().get(f"/backoffice/connexion?next={injected}").status_code == 400
    assert backoffice().get("/backoffice/connexion?next=/backoffice/").status_code == 200


def test_a_non_ascii_signature_from_the_bank_is_refused_not_a_500(make_account, logged_in):
    client = logged_in(make_account())
    forged = {"ref": "pay-1", "status": "succeeded", "reason": "", "sig": "é" * 64}
    assert client.get("/compte/credits/retour", query_string=forged).status_code == 400
    assert client.post("/compte/credits/notification", data=forged).status_code == 400
