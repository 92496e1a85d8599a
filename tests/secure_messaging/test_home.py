"""« Ma messagerie »: the way in, past conversations (newest first, unread replies, hide and
show), what another account or tenant cannot reach."""

from __future__ import annotations

import re

from smkit import (
    add_conversation,
    conversations,
    csrf_token,
    location,
    logged_in,
    make_member,
    post_form,
    reference_of,
    text_of,
)

HOME = "/secure-messaging/"


def rows(page: str) -> list[str]:
    """The references of the conversations listed, in order."""
    return re.findall(r"<tr data-conversation=\"(M-\d{6})\">", page)


def ref(app, conversation_id: int) -> str:
    return reference_of(app, conversation_id)


def test_the_home_page_leads_to_writing_depositing_and_past_conversations(member_client):
    page = text_of(member_client.get(HOME))
    assert "<h1>Ma messagerie</h1>" in page
    assert 'href="/secure-messaging/messages/nouveau">Rédiger un nouveau message' in page
    assert 'href="/secure-messaging/documents"' in page and "Envoyer un document" in page
    assert "Vous quittez « Ma messagerie » pour le service de dépôt de documents." in page
    assert "Vous n'avez pas encore d'échange avec votre caisse." in page
    assert 'href="/secure-messaging/static/secure_messaging.css"' in page
    assert member_client.get("/secure-messaging/static/secure_messaging.js").status_code == 200


def test_a_message_in_progress_can_be_resumed_from_home(member_client):
    assert "Mes messages en cours de rédaction" not in text_of(member_client.get(HOME))
    response = post_form(member_client, "/secure-messaging/messages/nouveau", {"choice": "famille"})
    topic = location(response)
    page = text_of(member_client.get(HOME))
    assert "Mes messages en cours de rédaction" in page
    assert f'href="{topic}">Famille, logement</a>' in page


def test_past_conversations_newest_first_with_state_and_unread_replies(app, member, member_client):
    old = add_conversation(app, member, "Retraite › Départ à la retraite", minutes_ago=90)
    answered = add_conversation(app, member, "Santé › Carte Vitale", minutes_ago=30, replies=2)
    deposit = add_conversation(app, member, "Dépôt de documents", minutes_ago=5, kind="deposit")
    page = text_of(member_client.get(HOME))
    assert rows(page) == [ref(app, deposit), ref(app, answered), ref(app, old)]
    row = re.search(rf"\"{ref(app, answered)}\">.*?</tr>", page, re.S).group(0)
    assert f'href="/messagerie/conversations/{answered}">Santé › Carte Vitale</a>' in row
    assert "2 nouveaux messages" in row and "Réponse reçue" in row
    row = re.search(rf"\"{ref(app, old)}\">.*?</tr>", page, re.S).group(0)
    assert "nouveau" not in row and "En attente de réponse" in row
    assert "Masquer" in row


def test_conversations_are_paginated_by_ten(app, member, member_client):
    ids = [add_conversation(app, member, f"Sujet {n}", minutes_ago=n) for n in range(12)]
    first = text_of(member_client.get(HOME))
    assert rows(first) == [ref(app, i) for i in ids[:10]]
    assert 'href="/secure-messaging/?page=2"' in first
    second = text_of(member_client.get(HOME + "?page=2"))
    assert rows(second) == [ref(app, i) for i in ids[10:]]
    assert "Page 2 sur 2" in second


def test_hide_and_show_a_conversation(app, member, member_client):
    kept = add_conversation(app, member, "Santé › Carte Vitale", minutes_ago=10)
    hidden = add_conversation(app, member, "Retraite › Départ à la retraite", minutes_ago=5)

    # The core hides and shows, then comes back to « Ma messagerie ».
    response = post_form(
        member_client,
        HOME,
        {"retour": "liste"},
        action=f"/messagerie/conversations/{hidden}/masquer",
    )
    assert location(response).endswith(HOME)
    page = text_of(member_client.get(HOME))
    assert f"{ref(app, hidden)} est masquée de votre liste." in page
    assert rows(page) == [ref(app, kept)]
    assert 'href="/secure-messaging/?masquees=1">Afficher les conversations masquées (1)' in page

    page = text_of(member_client.get(HOME + "?masquees=1"))
    assert rows(page) == [ref(app, hidden)] and "Afficher" in page
    response = post_form(
        member_client,
        HOME + "?masquees=1",
        {"retour": "masquees"},
        action=f"/messagerie/conversations/{hidden}/afficher",
    )
    assert location(response).endswith("?masquees=1")
    assert rows(text_of(member_client.get(HOME))) == [ref(app, hidden), ref(app, kept)]
    assert [c["hidden"] for c in conversations(app, member.tenant_id, member.id)] == [
        False,
        False,
    ]


def test_another_account_can_neither_see_nor_hide_nor_open_a_confirmation(
    app, tenant_ids, client_for, member
):
    theirs = add_conversation(app, member, "Santé › Carte Vitale")
    other = logged_in(client_for, make_member(app, "voisine@example.fr"))
    assert ref(app, theirs) not in text_of(other.get(HOME))
    token = csrf_token(other.get(HOME).get_data(as_text=True))
    for action in ("masquer", "afficher"):
        url = f"/messagerie/conversations/{theirs}/{action}"
        assert other.post(url, data={"csrf_token": token}).status_code == 404
    assert other.get(f"/secure-messaging/envoye/{theirs}").status_code == 404
    assert [c["hidden"] for c in conversations(app, member.tenant_id, member.id)] == [False]


def test_pages_need_a_login(client_for):
    response = client_for("msr").get(HOME)
    assert response.status_code == 302 and "/connexion" in location(response)


def test_the_plugin_pages_are_404_where_it_is_disabled(app, tenant_ids, client_for):
    agent = make_member(app, "agent@example.fr", category=None, slug="resilimo")
    client = logged_in(client_for, agent)
    for url in (
        HOME,
        "/secure-messaging/messages/",
        "/secure-messaging/messages/nouveau",
        "/secure-messaging/messages/cle/message",
        "/secure-messaging/documents",
        "/secure-messaging/envoye/1",
        "/secure-messaging/static/secure_messaging.js",
    ):
        assert client.get(url).status_code == 404, url
    assert "Ma messagerie" not in text_of(client.get("/"))


def test_the_msr_home_leads_to_my_messages_and_the_deposit(app, member, member_client):
    add_conversation(app, member, "Santé › Carte Vitale", replies=1)
    page = text_of(member_client.get("/"))
    tile = re.search(
        r'<section class="card" aria-labelledby="contact-title">.*?</section>', page, re.S
    )
    assert "Contact & échanges" in tile.group(0)
    assert 'href="/secure-messaging/">Mes messages</a>' in tile.group(0)
    assert "1 nouveau message" in tile.group(0)
    assert 'href="/secure-messaging/documents">Envoyer un document</a>' in tile.group(0)
    assert 'href="/secure-messaging/"' in page  # the main menu's « Ma messagerie » too
