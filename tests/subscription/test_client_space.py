"""The client space: signing in by an emailed link (the quote's email is the login), the same
answer for an unknown address, links expired, tampered or for another tenant refused; the
client's details, quotes, contracts and documents, and nobody else's."""

from __future__ import annotations

import re
from datetime import timedelta

from spacekit import PDF, make_contract, signed_in_client, token_for
from subkit import CLIENT, issue, mails_to

SPACE = "/souscription/espace-client"
SAME_ANSWER = (
    "Si un dossier correspond à cette adresse, un lien de connexion vient de vous être envoyé."
)


def _ask_link(client, email: str):
    page = client.get(f"{SPACE}?lang=fr").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(
        f"{SPACE}/connexion", data={"csrf_token": token, "email": email}, follow_redirects=True
    )


def test_the_client_signs_in_with_the_link_emailed_to_the_quotes_address(
    app, agent, client_for, at
):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    make_contract(app, agent, quote_id)
    browser = client_for("horizon")
    page = browser.get(f"{SPACE}?lang=fr").get_data(as_text=True)
    assert "Espace client" in page and "Recevoir mon lien de connexion" in page
    before = len(mails_to(app, agent.tenant_id, CLIENT["email"]))

    answer = _ask_link(browser, "Paul.Durand@Example.org ")
    assert SAME_ANSWER in answer.get_data(as_text=True)
    mails = mails_to(app, agent.tenant_id, CLIENT["email"])
    assert len(mails) == before + 1
    link = re.search(
        r"https?://[^/\s]+(/souscription/espace-client/connexion/[\w.\-]+)", mails[-1].body_text
    )
    assert link, mails[-1].body_text

    opened = browser.get(link.group(1), follow_redirects=True)
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200
    assert "Bienvenue Paul DURAND" in page
    assert "Mes infos" in page and "12 rue des Lilas" in page and "12/04/1981" in page
    assert "Vos pièces justificatives en attente" in page
    assert "Mes devis" in page and "Mes contrats" in page
    assert "Visualiser les documents" in page

    # Logging out: the space asks for the email again.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    out = browser.post(f"{SPACE}/deconnexion", data={"csrf_token": token}, follow_redirects=True)
    assert "Recevoir mon lien de connexion" in out.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, agent, client_for):
    issue(app, agent)
    browser = client_for("horizon")
    answer = _ask_link(browser, "nobody@example.org")
    assert answer.status_code == 200
    assert SAME_ANSWER in answer.get_data(as_text=True)
    assert mails_to(app, agent.tenant_id, "nobody@example.org") == []


def test_a_malformed_address_is_refused_next_to_the_field(app, client_for):
    browser = client_for("horizon")
    answer = _ask_link(browser, "not an email")
    assert answer.status_code == 400
    assert "Indiquez une adresse e-mail valide" in answer.get_data(as_text=True)


def test_expired_tampered_and_foreign_links_do_not_sign_in(app, agent, client_for, at, tenant_ids):
    moment = at(2026, 12, 7)
    issue(app, agent)
    token = token_for(app, agent.tenant_id, CLIENT["email"])
    browser = client_for("horizon")
    browser.get(f"{SPACE}?lang=fr")

    tampered = browser.get(f"{SPACE}/connexion/{token[:-3]}abc")
    assert tampered.status_code == 404
    assert "Ce lien de connexion n'est pas valable" in tampered.get_data(as_text=True)

    foreign = token_for(app, tenant_ids["resilimo"], CLIENT["email"])
    refused = browser.get(f"{SPACE}/connexion/{foreign}")
    assert refused.status_code == 404
    # The horizon link on another tenant's host: that host has no client space at all.
    assert client_for("resilimo").get(f"{SPACE}/connexion/{token}").status_code == 404

    at(moment + timedelta(hours=73))
    expired = browser.get(f"{SPACE}/connexion/{token}")
    assert expired.status_code == 404
    page = browser.get(SPACE).get_data(as_text=True)
    assert "Bienvenue" not in page and "Recevoir mon lien de connexion" in page


def test_the_space_shows_only_the_signed_in_clients_files(app, agent, make_account, client_for, at):
    at(2026, 12, 7)
    mine = issue(app, agent)
    my_contract, _ = make_contract(app, agent, mine, number=26)
    # Another agent of the tenant quoted the same person: their file shows too.
    colleague = make_account("horizon", "autre.agent@courtier-atlantique.fr")
    theirs = issue(app, colleague)
    make_contract(app, colleague, theirs, number=27)
    # Someone else's file never shows.
    stranger = issue(
        app, agent, client={"email": "jeanne.martin@example.org", "last_name": "Martin"}
    )
    other_contract, _ = make_contract(app, agent, stranger, number=28)

    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    page = browser.get(SPACE).get_data(as_text=True)
    assert "HMO-0000000026" in page and "HMO-0000000027" in page
    assert "HMO-0000000028" not in page and "MARTIN" not in page

    mine_doc = browser.get(f"{SPACE}/documents/{my_contract}/membership_form")
    assert mine_doc.status_code == 200 and mine_doc.data == PDF
    assert browser.get(f"{SPACE}/documents/{other_contract}/membership_form").status_code == 404
    assert browser.get(f"{SPACE}/documents/{my_contract}/nothing").status_code == 404
    # Signed out: no document.
    assert (
        client_for("horizon").get(f"{SPACE}/documents/{my_contract}/membership_form").status_code
        == 404
    )


def test_links_asked_for_one_address_are_limited(app, agent, client_for):
    issue(app, agent)
    browser = client_for("horizon")
    answers = [_ask_link(browser, CLIENT["email"]).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    links = [
        m for m in mails_to(app, agent.tenant_id, CLIENT["email"]) if "connexion/" in m.body_text
    ]
    assert len(links) == 5
