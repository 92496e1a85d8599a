"""The agent's home: « AGENDA » with its columns, the filter, « Clôturer », the closed events'
toggle, the Excel export, and the account wall."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date
from xml.etree import ElementTree

from sqlalchemy import select
from subkit import issue

from plugins.subscription import agenda, rules
from plugins.subscription.models import AgendaEvent, Quote
from portal.core.tenants import tenant_scope
from portal.extensions import db

HOME = "/souscription/"


def french(client):
    """The pages in French (horizon speaks English by default)."""
    client.get(f"{HOME}?lang=fr")
    return client


def number_of(app, agent, quote_id: int) -> str:
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote = db.session.get(Quote, quote_id)
        return rules.quote_number(quote.prefix, quote.number, quote.version)


def event_of(app, agent, quote_id: int) -> int:
    with app.app_context(), tenant_scope(agent.tenant_id):
        return db.session.scalar(select(AgendaEvent.id).where(AgendaEvent.quote_id == quote_id))


def note(app, account, **values) -> int:
    """An agenda event of ``account`` written directly (as another module would)."""
    key = f"test:{uuid.uuid4().hex[:12]}"
    with app.app_context(), tenant_scope(account.tenant_id):
        agenda.note(
            key=key,
            account_id=account.id,
            managed_by_id=account.holder_profile_id,
            effective_on=values.pop("effective_on", date(2027, 2, 1)),
            **values,
        )
        db.session.commit()
        return db.session.scalar(select(AgendaEvent.id).where(AgendaEvent.key == key))


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-event="\d+">(.*?)</tr>', html, re.S)


def test_the_agenda_lists_the_issued_quote_with_its_columns(app, agent, agent_client, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    number = number_of(app, agent, quote_id)
    html = french(agent_client).get(HOME).get_data(as_text=True)
    for column in ("AGENDA", "Effet le", "Description", "Domaine d'application", "Créé le"):
        assert column in html
    assert "Nombre d'événements chargés : 1" in html
    [row] = rows(html)
    assert number in row and "Paul" in row and "DURAND" in row
    assert "01/01/2027" in row  # the quote's effective date
    assert "07/12/2026" in row  # created on
    assert "Clôturer" in row and "sd-icon" in row  # the 🗑 icon, drawn (no emoji font needed)
    assert f'href="/souscription/devis/{quote_id}"' in row  # ➔ the quote page
    assert "Portefeuille" in html and "Vente directe" in html
    assert 'href="/souscription/portefeuille"' in html


def test_filter_matches_quotes_and_nothing_else(app, agent, agent_client, at):
    at(2026, 12, 7)
    number = number_of(app, agent, issue(app, agent))
    other = note(
        app,
        agent,
        kind=agenda.MEMBERSHIP_CREATED,
        description="Adhésion créée pour M. MARTIN Luc",
        domain="Contrat n° HMO-0000009999",
    )
    french(agent_client)
    html = agent_client.get(f"{HOME}?filtre=devis").get_data(as_text=True)
    assert number in html and "HMO-0000009999" not in html
    assert "Nombre d'événements chargés : 1" in html
    assert number in agent_client.get(f"{HOME}?filtre=DÉVIS").get_data(as_text=True)
    html = agent_client.get(f"{HOME}?filtre=martin").get_data(as_text=True)
    assert "HMO-0000009999" in html and number not in html
    html = agent_client.get(f"{HOME}?filtre=introuvable").get_data(as_text=True)
    assert "Aucun événement ne correspond à ces filtres." in html
    assert number not in html and other


def test_closing_hides_the_event_and_the_toggle_shows_it(app, agent, agent_client, post_form, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    number = number_of(app, agent, quote_id)
    event_id = event_of(app, agent, quote_id)
    french(agent_client)
    action = f"/souscription/agenda/{event_id}/cloturer"
    response = post_form(agent_client, f"{HOME}?filtre=devis", {"filtre": "devis"}, action=action)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/souscription/?filtre=devis")
    html = agent_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "L&#39;événement est clôturé" in html
    assert number not in html
    html = agent_client.get(f"{HOME}?clotures=1").get_data(as_text=True)
    [row] = rows(html)
    assert number in row and "Clôturé le 07/12/2026" in row and "Clôturer<" not in row
    assert 'name="clotures" type="checkbox" value="1" checked' in html
    again = post_form(agent_client, HOME, {}, action=action)  # idempotent
    assert again.status_code == 302
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert db.session.get(AgendaEvent, event_id).closed_at is not None
    # It stays in the client's file.
    with app.app_context(), tenant_scope(agent.tenant_id):
        client_id = db.session.get(Quote, quote_id).client_id
    html = agent_client.get(f"/souscription/clients/{client_id}").get_data(as_text=True)
    assert number in html and "Clôturé le" in html


def _sheet_rows(data: bytes) -> tuple[list[list[str]], str]:
    """The first sheet's rows as texts (inline or shared strings), and its raw XML."""
    namespace = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(si.itertext()) for si in root.findall("m:si", namespace)]
    found = []
    for row in ElementTree.fromstring(sheet).iter(f"{{{namespace['m']}}}row"):
        texts = []
        for cell in row.findall("m:c", namespace):
            kind = cell.get("t")
            if kind == "inlineStr":
                texts.append("".join(cell.find("m:is", namespace).itertext()))
            elif kind == "s":
                texts.append(shared[int(cell.find("m:v", namespace).text)])
            else:
                value = cell.find("m:v", namespace)
                texts.append(value.text if value is not None else "")
        found.append(texts)
    return found, sheet


def test_the_export_is_the_filtered_agenda_with_text_kept_as_text(app, agent, agent_client, at):
    at(2026, 12, 7)
    number = number_of(app, agent, issue(app, agent))
    note(
        app,
        agent,
        kind=agenda.QUOTE_ISSUED,
        description='=HYPERLINK("http://example.org","devis") piégé',
        domain="Devis n° HMO-0000008888 / 1",
    )
    note(
        app,
        agent,
        kind=agenda.MEMBERSHIP_CREATED,
        description="Adhésion créée",
        domain="Contrat n° HMO-0000007777",
    )
    french(agent_client)
    response = agent_client.get("/souscription/agenda/export.xlsx?filtre=devis")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "agenda-2026-12-07.xlsx" in response.headers["Content-Disposition"]
    found, sheet = _sheet_rows(response.data)
    header, *lines = found
    assert header[:4] == ["Effet le", "Type", "Description", "Domaine d'application"]
    domains = [line[3] for line in lines]
    assert domains == ["Devis n° HMO-0000008888 / 1", domains[1]] and number in domains[1]
    assert lines[0][2].startswith('=HYPERLINK("http://example.org"')
    assert "<f>" not in sheet  # never a formula
    assert "HMO-0000007777" not in sheet
    # The home page links the export with its filters.
    html = agent_client.get(f"{HOME}?filtre=devis").get_data(as_text=True)
    assert 'href="/souscription/agenda/export.xlsx?filtre=devis"' in html


def test_another_accounts_event_is_never_listed_nor_closed(
    app, agent, agent_client, make_account, post_form, at
):
    at(2026, 12, 7)
    other = make_account("horizon", f"autre.{uuid.uuid4().hex[:8]}@courtier.fr")
    theirs = issue(app, other, client={"last_name": "Voisin"})
    their_number = number_of(app, other, theirs)
    event_id = event_of(app, other, theirs)
    french(agent_client)
    for url in (HOME, f"{HOME}?clotures=1", f"{HOME}?filtre=voisin"):
        assert their_number not in agent_client.get(url).get_data(as_text=True)
    response = post_form(agent_client, HOME, {}, action=f"/souscription/agenda/{event_id}/cloturer")
    assert response.status_code == 404
    with app.app_context(), tenant_scope(other.tenant_id):
        assert db.session.get(AgendaEvent, event_id).closed_at is None
    export = agent_client.get("/souscription/agenda/export.xlsx?clotures=1")
    assert their_number not in _sheet_rows(export.data)[1]
