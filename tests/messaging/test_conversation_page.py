"""The thread of one conversation of the account: replies, unread messages, internal notes kept
from the user, attachments, and the walls between accounts and tenants."""

from __future__ import annotations

import re

from msgkit import (
    LIST,
    PDF_BYTES,
    conversations,
    create_account,
    create_staff,
    field_error,
    logged_in,
    operator_reply,
    pdf_file,
    post_form,
    reference_of,
    start_help,
    text_of,
)

from portal.core.accounts.models import Account, Profile
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db


def thread_url(conversation_id: int) -> str:
    return f"/messagerie/conversations/{conversation_id}"


def with_conversation(app, tenant_id: int, conversation_id: int, action) -> None:
    """Run ``action(tenant, conversation, staff_or_none)`` in the tenant's scope, then commit."""
    from portal.core.messaging.models import Conversation

    with app.app_context(), tenant_scope(tenant_id):
        action(tenant_directory().get(tenant_id), db.session.get(Conversation, conversation_id))
        db.session.commit()


def test_an_operator_reply_shows_as_unread_until_opened(app, agent, agent_client):
    conversation_id = start_help(app, agent)
    ref = reference_of(app, conversation_id)
    assert "nouveau message" not in text_of(agent_client.get(LIST))

    staff_id = create_staff(app).id
    operator_reply(app, agent.tenant_id, conversation_id, staff_id, "Voici la marche à suivre.")
    listing = text_of(agent_client.get(LIST))
    row = re.search(rf'<tr data-conversation="{ref}">(.*?)</tr>', listing, re.S).group(1)
    assert "1 nouveau message" in row and "Réponse reçue" in row

    thread = text_of(agent_client.get(thread_url(conversation_id)))
    assert "Voici la marche à suivre." in thread and "Nouveau" in thread
    assert "L'équipe Résilimo" in thread and "Réponse reçue" in thread
    row = re.search(
        rf'<tr data-conversation="{ref}">(.*?)</tr>', text_of(agent_client.get(LIST)), re.S
    )
    assert "nouveau message" not in row.group(1)
    assert "Nouveau<" not in text_of(agent_client.get(thread_url(conversation_id)))


def test_internal_notes_and_their_files_never_reach_the_user(app, agent, agent_client):
    from portal.core.backoffice.models import StaffUser
    from portal.core.messaging import answers
    from portal.core.messaging.models import Attachment

    conversation_id = start_help(app, agent)
    staff_id = create_staff(app).id

    def note(tenant, conversation):
        staff = db.session.get(StaffUser, staff_id)
        message = answers.add_note(conversation, staff, "Note interne : client à rappeler")
        message.attachments.append(
            Attachment(
                filename="interne.pdf",
                content_type="application/pdf",
                size=1,
                storage_key=f"tenants/{tenant.id}/messaging/xx/interne.pdf",
            )
        )
        db.session.flush()
        notes.append(message.attachments[0].id)

    notes: list[int] = []
    with_conversation(app, agent.tenant_id, conversation_id, note)
    thread = text_of(agent_client.get(thread_url(conversation_id)))
    assert "Note interne" not in thread and "interne.pdf" not in thread
    url = f"{thread_url(conversation_id)}/pieces-jointes/{notes[0]}"
    assert agent_client.get(url).status_code == 404


def test_the_user_replies_with_a_file(app, agent, agent_client):
    conversation_id = start_help(app, agent)
    page = thread_url(conversation_id)
    response = post_form(
        agent_client,
        page,
        {"body": "Voici le document demandé.", "files": [pdf_file("statuts.pdf")]},
        action=f"{page}/repondre",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    assert conversation["bodies"][-1] == "Voici le document demandé."
    [(attachment_id, *_)] = conversation["attachments"]
    thread = text_of(agent_client.get(page))
    assert "Votre message a bien été envoyé." in thread and "statuts.pdf" in thread
    assert agent_client.get(f"{page}/pieces-jointes/{attachment_id}").data == PDF_BYTES


def test_a_short_reply_is_refused_and_kept(app, agent, agent_client):
    conversation_id = start_help(app, agent)
    page = thread_url(conversation_id)
    response = post_form(agent_client, page, {"body": "Merci !"}, action=f"{page}/repondre")
    assert response.status_code == 200
    html = text_of(response)
    assert "au moins 10 caractères (il en compte 7)" in field_error(html, "body")
    assert "Merci !</textarea>" in html
    assert len(conversations(app, agent.tenant_id, agent.id)[0]["bodies"]) == 1


def test_replying_to_a_closed_conversation_reopens_it(app, agent, agent_client):
    from portal.core.backoffice.models import StaffUser
    from portal.core.messaging import answers

    conversation_id = start_help(app, agent)
    staff_id = create_staff(app).id
    with_conversation(
        app,
        agent.tenant_id,
        conversation_id,
        lambda tenant, c: answers.close(c, db.session.get(StaffUser, staff_id)),
    )
    page = thread_url(conversation_id)
    html = text_of(agent_client.get(page))
    assert "Clôturée" in html and "elle sera alors rouverte" in html
    post_form(
        agent_client, page, {"body": "Finalement, encore une question."}, action=f"{page}/repondre"
    )
    assert conversations(app, agent.tenant_id, agent.id)[0]["state"] == "open"


def test_a_secure_message_leads_back_to_the_members_messaging(app, tenant_ids, client_for):
    from portal.core.messaging import operations, taxonomy
    from portal.core.messaging.models import ConversationKind

    member = create_account(app, email="claire@example.fr", slug="msr", category="individual")
    with app.app_context(), tenant_scope(member.tenant_id):
        tenant = tenant_directory().get(member.tenant_id)
        themes = taxonomy.taxonomy(tenant, "individual")
        conversation = operations.start_conversation(
            tenant,
            db.session.get(Account, member.id),
            db.session.get(Profile, member.holder_profile_id),
            kind=ConversationKind.MESSAGE,
            selection=taxonomy.select_path(themes, ["sante", "carte-vitale", "perte"]),
            body="J'ai perdu ma carte Vitale hier.",
        )
        db.session.commit()
        conversation_id = conversation.id
    client = logged_in(client_for, member)
    html = text_of(client.get(thread_url(conversation_id)))
    assert "J'ai perdu ma carte Vitale hier." in html
    assert '<a href="/secure-messaging/">Retour à la liste</a>' in html


def test_an_attachment_is_reached_only_through_its_own_conversation(app, agent, agent_client):
    with_file = start_help(app, agent, uploads=[("kbis.pdf", PDF_BYTES)])
    other = start_help(app, agent)
    [first, _] = conversations(app, agent.tenant_id, agent.id)
    [(attachment_id, *_)] = first["attachments"]
    assert agent_client.get(f"{thread_url(with_file)}/pieces-jointes/{attachment_id}").data == (
        PDF_BYTES
    )
    assert agent_client.get(f"{thread_url(other)}/pieces-jointes/{attachment_id}").status_code == (
        404
    )


def test_other_accounts_and_tenants_get_404_everywhere(app, tenant_ids, agent, client_for):
    conversation_id = start_help(app, agent, uploads=[("kbis.pdf", PDF_BYTES)])
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    [(attachment_id, *_)] = conversation["attachments"]
    page = thread_url(conversation_id)
    neighbour = logged_in(client_for, create_account(app, email="voisin@agence-voisine.fr"))
    foreigner = logged_in(
        client_for, create_account(app, email="ailleurs@example.fr", slug="horizon")
    )
    for client in (neighbour, foreigner):
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text_of(client.get(LIST)))
        data = {"csrf_token": token.group(1), "body": "Je lis la demande d'un autre."}
        assert client.get(page).status_code == 404
        assert client.get(f"{page}/pieces-jointes/{attachment_id}").status_code == 404
        for action in ("repondre", "masquer", "afficher"):
            assert client.post(f"{page}/{action}", data=data).status_code == 404, action
    [after] = conversations(app, agent.tenant_id, agent.id)
    assert after["bodies"] == conversation["bodies"] and after["hidden"] is False
