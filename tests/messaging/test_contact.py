"""« Nous contacter »: the visitors' contact form, linked from every page's footer; its message
lands in the operators' inbox as a CONTACT conversation."""

from __future__ import annotations

import re

from msgkit import (
    CONTACT,
    LIST,
    conversations,
    create_account,
    devbox,
    field_error,
    logged_in,
    post_form,
    text_of,
)

MESSAGE = {
    "name": "Sophie Lemoine",
    "email": "sophie.lemoine@example.fr",
    "subject": "Tarifs pour un cabinet de courtage",
    "body": "Bonjour, quels sont vos tarifs pour un cabinet de cinq personnes ?",
}


def test_every_page_links_to_the_contact_form(client_for):
    for slug in ("resilimo", "horizon", "msr"):
        footer = text_of(client_for(slug).get("/")).split('<footer class="site-footer">')[1]
        assert f'<a href="{CONTACT}">' in footer, slug


def test_a_visitor_writes_and_gets_a_reference(app, tenant_ids, client_for):
    client = client_for("resilimo")
    response = post_form(client, CONTACT, MESSAGE)
    assert response.status_code == 302
    [conversation] = conversations(app, tenant_ids["resilimo"], None)
    assert conversation["kind"] == "contact" and conversation["state"] == "open"
    assert conversation["visitor"] == ("Sophie Lemoine", "sophie.lemoine@example.fr")
    assert conversation["subject"] == MESSAGE["subject"]
    assert conversation["bodies"] == [MESSAGE["body"]]

    page = text_of(client.get(response.headers["Location"]))
    assert "Votre message a bien été envoyé" in page
    assert conversation["reference"] in page and "sophie.lemoine@example.fr" in page
    assert conversations(app, tenant_ids["horizon"], None) == []

    [email] = devbox(app, tenant_ids["resilimo"], "email")
    assert email.recipients == "sophie.lemoine@example.fr"
    assert email.subject == "Nous avons bien reçu votre message"
    assert conversation["reference"] in email.body_text
    assert "/messagerie/conversations/" not in email.body_text  # a visitor has no space
    devbox(app, tenant_ids["resilimo"], "email")
    assert len(devbox(app, tenant_ids["resilimo"], "email")) == 1


def test_a_bad_email_and_a_short_message_are_refused_together(app, tenant_ids, client_for):
    client = client_for("resilimo")
    response = post_form(client, CONTACT, {**MESSAGE, "email": "sophie@", "body": "Bonjour"})
    assert response.status_code == 200
    page = text_of(response)
    assert "adresse e-mail valide" in field_error(page, "email")
    assert "au moins 10 caractères (il en compte 7)" in field_error(page, "body")
    assert 'value="Sophie Lemoine"' in page and "Bonjour</textarea>" in page
    response = post_form(client, CONTACT, {**MESSAGE, "name": "", "subject": ""})
    page = text_of(response)
    assert field_error(page, "name") and field_error(page, "subject")
    assert conversations(app, tenant_ids["resilimo"], None) == []


def test_the_confirmation_needs_a_message_sent(client_for):
    response = client_for("resilimo").get(CONTACT + "/envoye")
    assert response.status_code == 302 and response.headers["Location"].endswith(CONTACT)


def test_a_logged_in_user_is_offered_their_own_space(app, tenant_ids, agent_client, client_for):
    page = text_of(agent_client.get(CONTACT))
    assert 'href="/messagerie/aide/nouvelle"' in page
    assert 'value="jean@agence-fournier.fr"' in page  # prefilled, still usable
    # The contact form is not part of « Aide »: the menu does not mark it as the current section.
    assert re.search(r'<a href="/messagerie/aide"\s*aria-current', page) is None
    assert 'href="/messagerie/aide" aria-current="page"' in text_of(agent_client.get(LIST))
    assert post_form(agent_client, CONTACT, MESSAGE).status_code == 302

    member = create_account(app, email="claire@example.fr", slug="msr", category="individual")
    page = text_of(logged_in(client_for, member).get(CONTACT))
    assert 'href="/secure-messaging/"' in page
    assert "/messagerie/aide/nouvelle" not in text_of(client_for("resilimo").get(CONTACT))


def test_messages_sent_from_one_address_are_limited(app, tenant_ids, client_for):
    client = client_for("horizon")
    # Refused forms cost nothing: a visitor correcting mistakes is never locked out.
    for _ in range(8):
        assert post_form(client, CONTACT, {**MESSAGE, "email": "x"}).status_code == 200
    for _ in range(5):
        assert post_form(client, CONTACT, MESSAGE).status_code == 302
    refused = post_form(client, CONTACT, MESSAGE)
    assert refused.status_code == 429
    assert "try again later" in text_of(refused)  # horizon speaks English by default
    assert len(conversations(app, tenant_ids["horizon"], None)) == 5
    # Each tenant's inbox counts on its own.
    assert post_form(client_for("msr"), CONTACT, MESSAGE).status_code == 302
