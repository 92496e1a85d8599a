"""What tells the user about their help request: an acknowledgement email (and SMS where the
profile has a mobile) when it is sent, an email when a reply arrives — each sent once, by jobs,
branded for the tenant."""

from __future__ import annotations

from msgkit import (
    conversations,
    create_account,
    create_staff,
    devbox,
    logged_in,
    operator_reply,
    post_form,
    send_help_request,
)


def test_the_acknowledgement_email_and_sms_go_once(app, tenant_ids, client_for):
    user = create_account(app, mobile="+33612345678")
    response = send_help_request(logged_in(client_for, user))
    assert response.status_code == 302
    [conversation] = conversations(app, user.tenant_id, user.id)
    ref = conversation["reference"]

    [email] = devbox(app, user.tenant_id, "email")
    devbox(app, user.tenant_id, "email")  # draining again sends nothing more
    assert len(devbox(app, user.tenant_id, "email")) == 1
    assert email.recipients == user.email
    assert email.subject == "Nous avons bien reçu votre message"
    assert ref in email.body_text and "Mon compte › Modifier mes informations" in email.body_text
    assert f"/messagerie/conversations/{conversation['id']}" in email.body_text
    assert "Résilimo" in email.sender

    [sms] = devbox(app, user.tenant_id, "sms")
    assert len(devbox(app, user.tenant_id, "sms")) == 1
    assert "+33612345678" in sms.recipients.replace(" ", "")
    assert ref in sms.body_text and "Résilimo" in sms.body_text


def test_no_sms_without_a_mobile(app, agent, agent_client):
    send_help_request(agent_client)
    assert len(devbox(app, agent.tenant_id, "email")) == 1
    assert devbox(app, agent.tenant_id, "sms") == []


def test_a_refused_request_notifies_nobody(app, agent, agent_client):
    send_help_request(agent_client, body="court")
    assert devbox(app, agent.tenant_id, "email") == []


def test_a_reply_is_announced_once_without_its_text(app, agent, agent_client):
    send_help_request(agent_client)
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    staff_id = create_staff(app).id
    operator_reply(app, agent.tenant_id, conversation["id"], staff_id, "Réponse confidentielle")

    emails = devbox(app, agent.tenant_id, "email")
    devbox(app, agent.tenant_id, "email")
    assert sorted(e.subject for e in devbox(app, agent.tenant_id, "email")) == [
        "Nous avons bien reçu votre message",
        "Une réponse à votre message vous attend",
    ]
    [reply] = [e for e in emails if e.subject.startswith("Une réponse")]
    assert reply.recipients == agent.email
    assert "Réponse confidentielle" not in reply.body_text  # read after logging in
    assert f"/messagerie/conversations/{conversation['id']}" in reply.body_text


def test_the_users_own_replies_are_acknowledged_not_announced_as_replies(app, agent, agent_client):
    send_help_request(agent_client)
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    page = f"/messagerie/conversations/{conversation['id']}"
    post_form(
        agent_client, page, {"body": "Un complément d'information."}, action=f"{page}/repondre"
    )
    subjects = [e.subject for e in devbox(app, agent.tenant_id, "email")]
    assert subjects == ["Nous avons bien reçu votre message"] * 2


def test_a_visitor_gets_the_reply_itself_by_email(app, tenant_ids, client_for):
    client = client_for("resilimo")
    data = {
        "name": "Sophie Lemoine",
        "email": "sophie.lemoine@example.fr",
        "subject": "Vos tarifs",
        "body": "Bonjour, quels sont vos tarifs ?",
    }
    assert post_form(client, "/contact", data).status_code == 302
    [conversation] = conversations(app, tenant_ids["resilimo"], None)
    staff_id = create_staff(app).id
    operator_reply(app, tenant_ids["resilimo"], conversation["id"], staff_id, "Tarifs en ligne.")
    emails = devbox(app, tenant_ids["resilimo"], "email")
    assert [e.recipients for e in emails] == ["sophie.lemoine@example.fr"] * 2
    # Two jobs, which workers may run in either order.
    [reply] = [e for e in emails if e.subject == "Une réponse à votre message vous attend"]
    assert "Tarifs en ligne." in reply.body_text
