"""« Aide » of the agent portal: « Demande d'aide » (a new request) and « Suivi des demandes »."""

from __future__ import annotations

import re

import pytest
from msgkit import (
    BODY,
    LIST,
    NEW,
    PDF_BYTES,
    conversations,
    create_account,
    field_error,
    logged_in,
    pdf_file,
    post_form,
    reference_of,
    send_help_request,
    start_help,
    text_of,
)

HELP = "/messagerie/aide"


def test_a_help_request_is_sent_then_followed(app, agent, agent_client):
    page = text_of(agent_client.get(NEW))
    assert "Demande d'aide" in page and 'enctype="multipart/form-data"' in page

    response = send_help_request(agent_client)
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    assert conversation["kind"] == "help" and conversation["state"] == "open"
    assert conversation["codes"] == ("mon-compte", "modifier-informations", None)
    assert conversation["subject"] == "Mon compte › Modifier mes informations"
    assert conversation["bodies"] == [BODY]
    reference = conversation["reference"]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/messagerie/conversations/{conversation['id']}")

    thread = text_of(agent_client.get(response.headers["Location"]))
    assert f"Votre demande d'aide {reference} a bien été envoyée" in thread
    assert BODY in thread and "En attente de réponse" in thread

    listing = text_of(agent_client.get(LIST))
    assert "Suivi des demandes" in listing and reference in listing
    assert "Mon compte › Modifier mes informations" in listing
    assert "En attente de réponse" in listing
    assert f'href="{NEW}"' in listing  # « Nouvelle demande d'aide »


def test_the_help_menu_and_the_account_details_link_lead_there(agent_client):
    home = text_of(agent_client.get("/"))
    assert re.search(rf'<a href="{HELP}"[^>]*>Aide</a>', home)
    page = text_of(agent_client.get(HELP))
    # « Aide » offers « Demande d'aide » and « Suivi des demandes » (JRMC manual §10), and the
    # initial onboarding where the tenant offers it (resilimo does, to its agencies).
    assert "Demande d'aide" in page and f'href="{NEW}"' in page
    assert "Suivi des demandes" in page and f'href="{LIST}"' in page
    assert "Demander un accompagnement initial" in page
    assert 'href="/aide/accompagnement/"' in page
    assert re.search(rf'<a href="{HELP}"\s*aria-current="page"', page)
    details = text_of(agent_client.get("/compte/coordonnees"))
    assert f'href="{NEW}"' in details


def test_the_help_page_counts_the_requests_and_their_unread_replies(app, agent, agent_client):
    from msgkit import create_staff, operator_reply

    assert "Suivi des demandes" in text_of(agent_client.get(HELP))
    assert "0 demande" not in text_of(agent_client.get(HELP))  # nothing to count yet
    first = start_help(app, agent)
    start_help(app, agent)
    staff = create_staff(app)
    operator_reply(app, agent.tenant_id, first, staff.id, "Voici la réponse à votre question.")
    page = " ".join(re.sub(r"<[^>]+>", " ", text_of(agent_client.get(HELP))).split())
    assert "2 demandes · 1 en attente de réponse · 1 réponse non lue" in page


def test_an_anonymous_visitor_is_sent_to_the_login(client_for):
    client = client_for("resilimo")
    for url in (HELP, NEW, LIST):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert ">Aide</a>" not in text_of(client.get("/"))


def test_a_tenant_without_help_requests_sends_its_members_to_their_messaging(
    app, tenant_ids, client_for
):
    member = create_account(app, email="claire@example.fr", slug="msr", category="individual")
    client = logged_in(client_for, member)
    assert ">Aide</a>" not in text_of(client.get("/"))
    for url in (HELP, NEW, LIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/secure-messaging/")


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ("x" * 9, False),
        ("x" * 10, True),
        ("x" * 751, True),  # the 750 characters of secure messages are not a help request's
        ("x" * 5000, True),
        ("x" * 5001, False),
        ("  " + "x" * 9 + "\n\n", False),  # surrounding blanks do not count
        ("x" * 2499 + "\r\n" + "y" * 2500, True),  # a line break is one character: 5 000
        ("x" * 5 + "\r\n" + "y" * 3, False),  # 9 characters, though the browser sends 10 bytes
    ],
)
def test_the_message_holds_10_to_5000_characters(app, agent, agent_client, body, accepted):
    response = send_help_request(agent_client, body=body)
    created = conversations(app, agent.tenant_id, agent.id)
    if accepted:
        assert response.status_code == 302
        assert created[0]["bodies"] == [body.replace("\r\n", "\n").strip()]
        return
    assert response.status_code == 200 and created == []
    page = text_of(response)
    error = field_error(page, "body")
    if len(body.strip()) > 5000:
        assert "ne peut pas dépasser 5000 caractères (il en compte 5001)" in error
    else:
        assert "au moins 10 caractères (il en compte 9)" in error
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    kept = textarea.replace("\r\n", "\n").strip()
    assert kept == body.replace("\r\n", "\n").strip()  # the text is kept
    assert 'value="mon-compte/modifier-informations" selected' in page or (
        'selected value="mon-compte/modifier-informations"' in page
    )


def test_every_problem_shows_at_once(app, agent, agent_client):
    response = send_help_request(agent_client, subject="", body="court")
    page = text_of(response)
    assert field_error(page, "subject") and field_error(page, "body")
    assert conversations(app, agent.tenant_id, agent.id) == []


def test_a_pdf_is_attached_and_downloadable(app, agent, agent_client):
    response = send_help_request(agent_client, files=[pdf_file("Kbis agence.pdf")])
    assert response.status_code == 302
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    [(attachment_id, filename, content_type, _key)] = conversation["attachments"]
    assert (filename, content_type) == ("Kbis agence.pdf", "application/pdf")

    thread = text_of(agent_client.get(response.headers["Location"]))
    link = f"/messagerie/conversations/{conversation['id']}/pieces-jointes/{attachment_id}"
    assert f'href="{link}"' in thread and "Kbis agence.pdf" in thread
    download = agent_client.get(link)
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_fake_pdf_is_refused_next_to_the_files_and_nothing_is_created(app, agent, agent_client):
    fake = pdf_file("contrat.pdf", b"<html><script>alert(1)</script></html>")
    response = send_help_request(agent_client, files=[pdf_file(), fake])
    assert response.status_code == 200
    page = text_of(response)
    assert "« contrat.pdf »" in field_error(page, "files")
    assert BODY in page  # the message is kept
    assert conversations(app, agent.tenant_id, agent.id) == []


def test_too_many_files_are_refused(app, agent, agent_client):
    response = send_help_request(agent_client, files=[pdf_file(f"{n}.pdf") for n in range(6)])
    assert "Joignez au plus 5 fichiers." in field_error(text_of(response), "files")
    assert conversations(app, agent.tenant_id, agent.id) == []


def test_a_request_is_hidden_then_shown_again(app, agent, agent_client):
    conversation_id = start_help(app, agent)
    reference = reference_of(app, conversation_id)
    page = f"/messagerie/conversations/{conversation_id}"

    response = post_form(agent_client, page, {}, action=f"{page}/masquer")
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert f"{reference} est masquée de votre liste." in text_of(agent_client.get(page))
    assert reference not in text_of(agent_client.get(LIST))
    listing = text_of(agent_client.get(LIST))
    assert "Afficher les demandes masquées (1)" in listing
    hidden = text_of(agent_client.get(LIST + "?masquees=1"))
    assert "Mes demandes masquées" in hidden and reference in hidden

    response = post_form(
        agent_client, LIST + "?masquees=1", {"retour": "masquees"}, action=f"{page}/afficher"
    )
    assert response.headers["Location"].endswith(LIST + "?masquees=1")
    assert reference in text_of(agent_client.get(LIST))
    assert conversations(app, agent.tenant_id, agent.id)[0]["hidden"] is False

    response = post_form(agent_client, LIST, {"retour": "liste"}, action=f"{page}/masquer")
    assert response.headers["Location"].endswith(LIST)
    assert conversations(app, agent.tenant_id, agent.id)[0]["hidden"] is True


def test_requests_are_listed_newest_first_20_per_page(app, agent, agent_client):
    ids = [start_help(app, agent, body=f"Question numéro {n:02d} pour l'équipe") for n in range(21)]
    first = text_of(agent_client.get(LIST))
    refs = re.findall(r'data-conversation="(M-\d+)"', first)
    assert refs == [reference_of(app, i) for i in reversed(ids[1:])]
    assert "Page 1 sur 2" in first and "Plus anciennes" in first
    second = text_of(agent_client.get(LIST + "?page=2"))
    assert re.findall(r'data-conversation="(M-\d+)"', second) == [reference_of(app, ids[0])]
    assert "Plus récentes" in second
    assert text_of(agent_client.get(LIST + "?page=99")).count("data-conversation=") == 0


def test_only_help_requests_are_listed(app, tenant_ids, agent, agent_client):
    other = create_account(app, email="voisin@agence-voisine.fr")
    theirs = start_help(app, other)
    mine = start_help(app, agent)
    listing = text_of(agent_client.get(LIST))
    assert reference_of(app, mine) in listing and reference_of(app, theirs) not in listing


def test_the_same_form_posted_twice_sends_one_request(app, agent, agent_client):
    from msgkit import csrf_token, devbox

    page = text_of(agent_client.get(NEW))
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="request_key" value="([^"]+)"', page
    )
    data = {
        "csrf_token": csrf_token(page),
        "request_key": key.group(1),
        "subject": "mon-compte/modifier-informations",
        "body": BODY,
    }
    first = agent_client.post(NEW, data=data)
    second = agent_client.post(NEW, data=data)  # a double click, or the back button
    assert first.headers["Location"] == second.headers["Location"]
    assert len(conversations(app, agent.tenant_id, agent.id)) == 1
    assert len(devbox(app, agent.tenant_id, "email")) == 1


def test_the_termination_service_asks_for_a_missing_insurer_through_a_help_request(agent_client):
    """The resiliation plugin adds its subject to the taxonomy and links to it (manual §5)."""
    home = text_of(agent_client.get("/resiliation/"))
    link = re.search(r'href="([^"]+)">Demander l&#39;ajout d&#39;une compagnie', home) or re.search(
        r"href=\"([^\"]+)\">Demander l'ajout d'une compagnie", home
    )
    form = text_of(agent_client.get(link.group(1).replace("&amp;", "&")))
    assert re.search(
        r'<option selected value="resiliation/ajout-compagnie">'
        r"Service Résiliation › Demander l(&#39;|')ajout d(&#39;|')une compagnie</option>",
        form,
    ), form
