"""Supporting documents from the client space: a real PDF is received and the file moves to
« Dossier transmis » (the agent's agenda says so), a refused file says why on its own row and
leaves the others as they were, nobody uploads to someone else's contract."""

from __future__ import annotations

import html

from spacekit import (
    NOT_A_DOCUMENT,
    PDF,
    VIRUS_PDF,
    documents,
    make_contract,
    signed_in_client,
    upload,
)
from sqlalchemy import select
from subkit import CLIENT, issue, stored

from plugins.subscription.models import AgendaEvent, Contract
from plugins.subscription.rules import ContractProgress
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db

SPACE = "/souscription/espace-client"


def _agenda_kinds(app, tenant_id: int, contract_id: int) -> list[str]:
    with app.app_context(), tenant_scope(tenant_id):
        return list(
            db.session.scalars(
                select(AgendaEvent.kind).where(AgendaEvent.contract_id == contract_id)
            )
        )


def test_an_upload_is_received_and_the_file_is_transmitted(app, agent, client_for, at):
    at(2026, 12, 7)
    contract_id, (identity, bank, _) = make_contract(app, agent, issue(app, agent))
    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    page = browser.get(SPACE).get_data(as_text=True)
    assert page.count("Transmettre mon document") == 3
    assert page.count("sub-status sub-status--waiting") == 3

    answer = upload(browser, f"{SPACE}/pieces/{identity}", PDF, "carte identité.pdf", page=SPACE)
    assert answer.status_code == 303
    page = browser.get(SPACE).get_data(as_text=True)
    assert "est bien reçu" in page
    assert "Reçue le 07/12/2026" in page and page.count("sub-status sub-status--waiting") == 2
    assert "Dossier transmis" in page

    row = documents(app, agent.tenant_id, contract_id)["identity"]
    assert row["received_at"] is not None and row["uploaded_by"] == "client"
    assert row["filename"] == "carte identité.pdf" and row["content_type"] == "application/pdf"
    with app.app_context():
        assert storage().read(row["storage_key"]) == PDF
    contract = stored(app, agent.tenant_id, Contract, contract_id)
    assert contract["progress"] == ContractProgress.FILE_TRANSMITTED
    assert contract["transmitted_at"] is not None
    assert "file_transmitted" in _agenda_kinds(app, agent.tenant_id, contract_id)

    # A second document, and a replacement, keep the file where it is.
    assert upload(browser, f"{SPACE}/pieces/{bank}", PDF, "rib.pdf", page=SPACE).status_code == 303
    again = upload(browser, f"{SPACE}/pieces/{identity}", PDF, "cni-recto-verso.pdf", page=SPACE)
    assert again.status_code == 303
    assert (
        documents(app, agent.tenant_id, contract_id)["identity"]["filename"]
        == "cni-recto-verso.pdf"
    )
    assert _agenda_kinds(app, agent.tenant_id, contract_id).count("file_transmitted") == 1


def test_a_refused_file_says_why_on_its_row_and_leaves_the_others(app, agent, client_for, at):
    at(2026, 12, 7)
    contract_id, (identity, bank, _) = make_contract(app, agent, issue(app, agent))
    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    assert upload(browser, f"{SPACE}/pieces/{bank}", PDF, "rib.pdf", page=SPACE).status_code == 303

    program = upload(browser, f"{SPACE}/pieces/{identity}", NOT_A_DOCUMENT, "setup.exe", page=SPACE)
    assert program.status_code == 400
    page = html.unescape(program.get_data(as_text=True))
    row = page.split(f'id="piece-{identity}"')[1].split("</tr>")[0]
    assert "n'est pas un PDF, une image JPEG ou PNG" in row
    assert "Reçue le" in page  # the RIB received before is still there

    virus = upload(browser, f"{SPACE}/pieces/{identity}", VIRUS_PDF, "scan.pdf", page=SPACE)
    assert virus.status_code == 400
    assert "virus" in virus.get_data(as_text=True)

    rows = documents(app, agent.tenant_id, contract_id)
    assert rows["identity"]["received_at"] is None and rows["identity"]["storage_key"] is None
    assert rows["bank_details"]["filename"] == "rib.pdf"


def test_nobody_uploads_to_another_clients_contract(app, agent, client_for, at):
    at(2026, 12, 7)
    make_contract(app, agent, issue(app, agent), number=26)
    other = issue(app, agent, client={"email": "jeanne.martin@example.org", "last_name": "Martin"})
    other_contract, (other_identity, *_) = make_contract(app, agent, other, number=27)
    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    answer = upload(browser, f"{SPACE}/pieces/{other_identity}", PDF, page=SPACE)
    assert answer.status_code == 404
    assert documents(app, agent.tenant_id, other_contract)["identity"]["received_at"] is None
    # Not signed in: back to the sign-in page, nothing stored.
    stranger = client_for("horizon")
    stranger.get(f"{SPACE}?lang=fr")
    answer = upload(stranger, f"{SPACE}/pieces/{other_identity}", PDF, page=SPACE)
    assert answer.status_code == 403
    assert "Recevoir mon lien de connexion" in answer.get_data(as_text=True)
    assert documents(app, agent.tenant_id, other_contract)["identity"]["received_at"] is None


def test_no_upload_once_the_membership_is_created(app, agent, client_for, at):
    at(2026, 12, 7)
    contract_id, (identity, *_) = make_contract(
        app, agent, issue(app, agent), progress=ContractProgress.MEMBERSHIP_CREATED
    )
    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    page = browser.get(SPACE).get_data(as_text=True)
    assert "Transmettre mon document" not in page
    assert "Adhésion créée" in page
    assert upload(browser, f"{SPACE}/pieces/{identity}", PDF, page=SPACE).status_code == 404
    assert documents(app, agent.tenant_id, contract_id)["identity"]["received_at"] is None
