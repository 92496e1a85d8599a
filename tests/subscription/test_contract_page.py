"""The agent's contract page: its facts as the guide shows them, the supporting documents the
agent uploads for the client, « + Nouvelle pièce justificative », « Documents envoyés »; another
account's contract is a 404."""

from __future__ import annotations

import html

from spacekit import NOT_A_DOCUMENT, PDF, documents, make_contract, upload
from subkit import issue, stored

from plugins.subscription.models import Contract
from plugins.subscription.rules import ContractProgress, SignatureState


def _page(client, contract_id: int) -> str:
    answer = client.get(f"/souscription/contrats/{contract_id}?lang=fr")
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))


def test_the_contract_page_shows_the_guides_facts(app, agent, agent_client, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    contract_id, _ = make_contract(app, agent, quote_id)
    page = _page(agent_client, contract_id)
    quote = stored(app, agent.tenant_id, Contract, contract_id)
    assert 'Contrat "Horizon Monde" n° HMO-0000000026' in page
    for label in (
        "Échéance principale",
        "Devis original",
        "Cotisation totale TTC",
        "Avenant n°",
        "Signature électronique",
        "Prochain renouvellement",
        "Avancement",
        "Mode de paiement",
        "Modalité de paiement",
    ):
        assert label in page, label
    assert "01/01" in page and "0001" in page and "Signé" in page
    assert "le 01/01/2028" in page  # effective 01/01/2027: the next due date after it
    assert "En attente de pièces" in page and "Prélèvement" in page and "Mensuel" in page
    euros, cents = divmod(quote["annual_cents"], 100)
    assert f"{euros % 1000:03d},{cents:02d}" in page and "€" in page
    assert "Documents envoyés" in page and "Visualiser le document" in page
    sent = agent_client.get(f"/souscription/contrats/{contract_id}/fichiers/membership_form")
    assert sent.status_code == 200 and sent.data == PDF


def test_in_progress_and_by_hand_signatures_are_named(app, agent, agent_client, at):
    at(2026, 12, 7)
    one, _ = make_contract(
        app, agent, issue(app, agent), signature_state=SignatureState.IN_PROGRESS
    )
    assert "En cours" in _page(agent_client, one)
    two, _ = make_contract(
        app, agent, issue(app, agent), number=27, signature_state=SignatureState.BY_HAND
    )
    assert "Manuscrite" in _page(agent_client, two)


def test_the_agent_uploads_the_clients_pieces_and_adds_one(app, agent, agent_client, at):
    at(2026, 12, 7)
    contract_id, (identity, bank, _) = make_contract(app, agent, issue(app, agent))
    url = f"/souscription/contrats/{contract_id}"
    answer = upload(agent_client, f"{url}/pieces/{bank}", PDF, "rib.pdf", page=url)
    assert answer.status_code == 303
    page = _page(agent_client, contract_id)
    assert "Dossier transmis" in page and "rib.pdf" in page and "par vous" in page
    row = documents(app, agent.tenant_id, contract_id)["bank_details"]
    assert row["uploaded_by"] == "agent"
    assert stored(app, agent.tenant_id, Contract, contract_id)["progress"] == (
        ContractProgress.FILE_TRANSMITTED
    )
    download = agent_client.get(f"{url}/fichiers/piece-{bank}")
    assert download.status_code == 200 and download.data == PDF

    refused = upload(agent_client, f"{url}/pieces/{identity}", NOT_A_DOCUMENT, "a.exe", page=url)
    assert refused.status_code == 400
    assert "n'est pas un PDF" in html.unescape(refused.get_data(as_text=True))

    from portal.testing.web import csrf_token

    token = csrf_token(agent_client.get(url).get_data(as_text=True))
    added = agent_client.post(f"{url}/pieces/nouvelle", data={"csrf_token": token})
    assert added.status_code == 303
    assert "other" in documents(app, agent.tenant_id, contract_id)
    assert "Autre pièce" in _page(agent_client, contract_id)


def test_another_accounts_contract_is_not_found(app, agent, make_account, logged_in, at):
    at(2026, 12, 7)
    contract_id, (identity, *_) = make_contract(app, agent, issue(app, agent))
    other = logged_in(make_account("horizon", "autre.courtier@example.org"))
    url = f"/souscription/contrats/{contract_id}"
    assert other.get(url).status_code == 404
    assert other.get(f"{url}/fichiers/membership_form").status_code == 404
    assert other.get(f"{url}/fichiers/piece-{identity}").status_code == 404
    sent = upload(other, f"{url}/pieces/{identity}", PDF, page="/souscription/espace-client")
    assert sent.status_code == 404
    assert documents(app, agent.tenant_id, contract_id)["identity"]["received_at"] is None
