"""The back office's « Adhésions à traiter »: transmitted files first, each with its client and
documents; « Adhésion créée » with the management system's number moves the contract (the
agent's agenda says so), refused without a number."""

from __future__ import annotations

import html

from spacekit import PDF, make_contract, signed_in_client, upload
from sqlalchemy import select
from subkit import CLIENT, issue, stored

from plugins.subscription.models import AgendaEvent, Contract
from plugins.subscription.rules import ContractProgress
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token

BASE = "/backoffice/t/horizon/subscription/adhesions"


def _transmitted_contract(app, agent, client_for) -> tuple[int, int]:
    contract_id, (identity, *_) = make_contract(app, agent, issue(app, agent))
    browser = signed_in_client(client_for, app, agent.tenant_id, CLIENT["email"])
    space = "/souscription/espace-client"
    assert (
        upload(browser, f"{space}/pieces/{identity}", PDF, "cni.pdf", page=space).status_code == 303
    )
    return contract_id, identity


def test_the_list_puts_transmitted_files_first(app, agent, client_for, staff_client, at):
    at(2026, 12, 7)
    waiting, _ = make_contract(app, agent, issue(app, agent), number=30)
    transmitted, _ = _transmitted_contract(app, agent, client_for)
    staff, _ = staff_client()
    answer = staff.get(BASE)
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert "Adhésions à traiter" in page
    assert page.index("HMO-0000000026") < page.index("HMO-0000000030")
    assert "Dossier transmis" in page and "En attente de pièces" in page
    assert "Courtier Atlantique" in page and "DURAND Paul" in page
    # The menu leads there.
    assert "Adhésions à traiter" in staff.get(
        "/backoffice/choix-du-tenant?page=backoffice.subscription.memberships"
    ).get_data(as_text=True)
    assert waiting and transmitted


def test_membership_created_with_its_number(app, agent, client_for, staff_client, at):
    at(2026, 12, 7)
    contract_id, identity = _transmitted_contract(app, agent, client_for)
    staff, _ = staff_client()
    url = f"{BASE}/{contract_id}"
    page = html.unescape(staff.get(url).get_data(as_text=True))
    assert "DURAND Paul" in page and "cni.pdf" in page and "Adhésion créée" in page
    download = staff.get(f"{url}/fichiers/piece-{identity}")
    assert download.status_code == 200 and download.data == PDF
    assert staff.get(f"{url}/fichiers/membership_form").data == PDF

    token = csrf_token(staff.get(url).get_data(as_text=True))
    empty = staff.post(
        f"{url}/adhesion-creee", data={"csrf_token": token, "membership_number": " "}
    )
    assert empty.status_code == 400
    assert "Indiquez le numéro d'adhésion" in html.unescape(empty.get_data(as_text=True))
    too_long = staff.post(
        f"{url}/adhesion-creee", data={"csrf_token": token, "membership_number": "X" * 31}
    )
    assert too_long.status_code == 400
    assert stored(app, agent.tenant_id, Contract, contract_id)["progress"] == (
        ContractProgress.FILE_TRANSMITTED
    )

    done = staff.post(
        f"{url}/adhesion-creee",
        data={"csrf_token": token, "membership_number": "ADH-2027-0042"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "Adhésion créée pour le contrat HMO-0000000026" in html.unescape(
        done.get_data(as_text=True)
    )
    contract = stored(app, agent.tenant_id, Contract, contract_id)
    assert contract["progress"] == ContractProgress.MEMBERSHIP_CREATED
    assert contract["membership_number"] == "ADH-2027-0042"
    with app.app_context(), tenant_scope(agent.tenant_id):
        kinds = db.session.scalars(
            select(AgendaEvent.kind).where(AgendaEvent.contract_id == contract_id)
        ).all()
    assert "membership_created" in kinds


def test_a_file_not_transmitted_cannot_be_created(app, agent, staff_client, at):
    at(2026, 12, 7)
    contract_id, _ = make_contract(app, agent, issue(app, agent))
    staff, _ = staff_client()
    url = f"{BASE}/{contract_id}"
    page = html.unescape(staff.get(url).get_data(as_text=True))
    assert "le dossier n'est pas encore transmis" in page
    token = csrf_token(page)
    staff.post(f"{url}/adhesion-creee", data={"csrf_token": token, "membership_number": "ADH-1"})
    assert stored(app, agent.tenant_id, Contract, contract_id)["progress"] == (
        ContractProgress.AWAITING_DOCUMENTS
    )


def test_another_tenants_url_does_not_show_the_contract(app, agent, staff_client, at):
    at(2026, 12, 7)
    contract_id, _ = make_contract(app, agent, issue(app, agent))
    staff, _ = staff_client()
    assert (
        staff.get(f"/backoffice/t/resilimo/subscription/adhesions/{contract_id}").status_code == 404
    )
