"""One conversation in the back office: the thread, a reply with attachments (the user is
emailed once), internal notes the user never sees, assignment, closing and reopening; another
tenant's conversation or file answers 404; only logged-in staff on the back-office host."""

from __future__ import annotations

import io

from mbokit import (
    INBOX,
    PDF_BYTES,
    REPLY_SUBJECT,
    conversation_state,
    emails_to,
    field_error,
    listed,
    log_in,
    post_form,
    start,
    start_contact,
    text_of,
)


def test_the_page_shows_the_user_and_the_thread_with_its_files(app, tenant_ids, operator):
    started = start(
        app, tenant_ids, "msr", commercial_name="Famille Petit", uploads=[("avis.pdf", PDF_BYTES)]
    )
    page = text_of(operator.client.get(started.url))
    assert started.reference in page
    assert "Famille Petit" in page and f"/backoffice/comptes/{started.account_id}" in page
    assert "ma situation familiale a changé" in page
    [(attachment_id, _)] = conversation_state(app, started)["attachments"]
    download = operator.client.get(f"{INBOX}/msr/pieces-jointes/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_reply_with_a_pdf_answers_the_conversation_and_emails_the_user_once(
    app, tenant_ids, operator
):
    started = start(app, tenant_ids, "msr")
    response = post_form(
        operator.client,
        started.url,
        {
            "reply-body": "Bonjour, votre changement est bien enregistré.",
            "reply-files": (io.BytesIO(PDF_BYTES), "attestation.pdf"),
        },
        f"{started.url}/repondre",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.location.endswith(started.url)

    state = conversation_state(app, started)
    assert state["state"] == "answered"
    assert state["assigned"] == operator.staff_id  # who answers first takes it
    assert state["user_sees"][-1] == "Bonjour, votre changement est bien enregistré."
    [(attachment_id, filename)] = state["attachments"]
    assert filename == "attestation.pdf"
    assert len(emails_to(app, started.tenant_id, started.email, REPLY_SUBJECT)) == 1

    page = text_of(operator.client.get(started.url))
    assert "Réponse envoyée" in page and "attestation.pdf" in page
    download = operator.client.get(f"{INBOX}/msr/pieces-jointes/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert listed(operator.client, "msr", state="answered") == [started.id]
    # Reloading the page sends nothing more.
    assert len(emails_to(app, started.tenant_id, started.email, REPLY_SUBJECT)) == 1


def test_a_fake_pdf_is_refused_next_to_the_field_and_the_text_is_kept(app, tenant_ids, operator):
    started = start(app, tenant_ids, "msr")
    text = "Voici le formulaire à remplir."
    response = post_form(
        operator.client,
        started.url,
        {"reply-body": text, "reply-files": (io.BytesIO(b"MZ not a pdf"), "formulaire.pdf")},
        f"{started.url}/repondre",
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "formulaire.pdf" in field_error(page, "reply-files")
    assert text in text_of(response)
    state = conversation_state(app, started)
    assert state["state"] == "open" and len(state["bodies"]) == 1
    assert emails_to(app, started.tenant_id, started.email, REPLY_SUBJECT) == []


def test_an_empty_reply_is_refused_next_to_the_field(app, tenant_ids, operator):
    started = start(app, tenant_ids, "msr")
    response = post_form(
        operator.client, started.url, {"reply-body": "   "}, f"{started.url}/repondre"
    )
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "reply-body")
    assert conversation_state(app, started)["state"] == "open"


def test_an_internal_note_is_for_operators_only(app, tenant_ids, operator):
    started = start(app, tenant_ids, "msr")
    note = "Dossier déjà vu par le service famille, rappeler lundi."
    response = post_form(operator.client, started.url, {"note-body": note}, f"{started.url}/note")
    assert response.status_code == 302

    page = text_of(operator.client.get(started.url))
    thread = page.split("data-internal")[1]
    assert "Note interne — visible des seuls opérateurs" in thread and note in thread
    state = conversation_state(app, started)
    assert note in state["bodies"] and note not in state["user_sees"]
    assert state["state"] == "open"  # a note is no answer
    assert emails_to(app, started.tenant_id, started.email, REPLY_SUBJECT) == []


def test_assign_to_a_colleague_to_nobody_and_refuse_an_unknown_operator(
    app, tenant_ids, operator, client_for
):
    started = start(app, tenant_ids, "msr")
    colleague = log_in(app, client_for, "Collègue Support")
    action = f"{started.url}/attribuer"

    post_form(operator.client, started.url, {"assign-assignee": str(colleague.staff_id)}, action)
    assert conversation_state(app, started)["assigned"] == colleague.staff_id
    assert "Conversation attribuée à Collègue Support" in text_of(operator.client.get(started.url))

    post_form(operator.client, started.url, {"assign-assignee": ""}, action)
    assert conversation_state(app, started)["assigned"] is None

    refused = post_form(operator.client, started.url, {"assign-assignee": "999999"}, action)
    assert refused.status_code == 200
    assert field_error(refused.get_data(as_text=True), "assign-assignee")


def test_close_then_reopen_moves_the_conversation_out_of_and_back_into_the_inbox(
    app, tenant_ids, operator
):
    started = start(app, tenant_ids, "msr")
    client = operator.client

    assert post_form(client, started.url, {}, f"{started.url}/cloturer").status_code == 302
    assert conversation_state(app, started)["state"] == "closed"
    assert listed(client, "msr") == []
    assert listed(client, "msr", state="closed") == [started.id]
    assert "Rouvrir la conversation" in client.get(started.url).text

    assert post_form(client, started.url, {}, f"{started.url}/rouvrir").status_code == 302
    assert conversation_state(app, started)["state"] == "open"
    assert listed(client, "msr") == [started.id]


def test_a_visitor_gets_the_reply_by_email_without_attachments(app, tenant_ids, operator):
    contact = start_contact(app, tenant_ids, "msr")
    page = text_of(operator.client.get(contact.url))
    assert "Claire Visiteuse" in page and 'name="reply-files"' not in page

    response = post_form(
        operator.client,
        contact.url,
        {"reply-body": "Nous sommes ouverts du lundi au vendredi, de 9 h à 17 h."},
        f"{contact.url}/repondre",
    )
    assert response.status_code == 302
    [email] = emails_to(app, contact.tenant_id, contact.email, REPLY_SUBJECT)
    assert "du lundi au vendredi" in email.body_text


def test_another_tenants_conversation_or_file_answers_404(app, tenant_ids, operator):
    resilimo = start(
        app,
        tenant_ids,
        "resilimo",
        ("mon-compte", "connexion"),
        kind="help",
        uploads=[("kbis.pdf", PDF_BYTES)],
    )
    msr = start(app, tenant_ids, "msr")
    client = operator.client
    [(attachment_id, _)] = conversation_state(app, resilimo)["attachments"]

    assert client.get(resilimo.url).status_code == 200
    assert client.get(f"{INBOX}/msr/{resilimo.id}").status_code == 404
    assert client.get(f"{INBOX}/msr/pieces-jointes/{attachment_id}").status_code == 404
    assert client.get(f"{INBOX}/resilimo/pieces-jointes/{attachment_id}").status_code == 200
    for action in ("repondre", "note", "attribuer", "cloturer", "rouvrir"):
        response = post_form(
            client, msr.url, {"reply-body": "Bonjour !"}, f"{INBOX}/msr/{resilimo.id}/{action}"
        )
        assert response.status_code == 404, action
    assert conversation_state(app, resilimo)["state"] == "open"


def test_only_logged_in_staff_on_the_back_office_host(app, tenant_ids, client_for):
    started = start(app, tenant_ids, "msr")
    anonymous = client_for("backoffice.localhost")
    for url in (INBOX, f"{INBOX}/msr", started.url):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/backoffice/connexion" in response.location
    assert client_for("msr").get(started.url).status_code == 404
