"""« Exporter vers Excel »: the filtered list as a workbook streamed to the browser — French
headers, dates as Excel dates, a text looking like a formula kept as text, only the account's
letters (read back by unzipping the sheet's XML: no spreadsheet library needed)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from letterkit import make_letter

from plugins.resiliation.models import Letter
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-export@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def sheet_rows(data: bytes) -> list[dict[str, tuple[str, str]]]:
    """Each row of the first sheet: {column letter: (cell type, text or value)}, with the
    shared strings resolved."""
    book = zipfile.ZipFile(io.BytesIO(data))
    names = book.namelist()
    shared = []
    if "xl/sharedStrings.xml" in names:
        xml = book.read("xl/sharedStrings.xml").decode()
        shared = [
            html.unescape(re.sub(r"<[^>]+>", "", si))
            for si in re.findall(r"<si>(.*?)</si>", xml, re.S)
        ]
    xml = book.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
        cells = {}
        for ref, attrs, body in re.findall(
            r'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(.*?)</c>)', row, re.S
        ):
            kind = (re.search(r't="(\w+)"', attrs) or [None, "n"])[1]
            if kind == "s":
                value = shared[int(re.search(r"<v>(.*?)</v>", body).group(1))]
            elif kind == "inlineStr":
                value = html.unescape(re.sub(r"<[^>]+>", "", body))
            else:
                found = re.search(r"<v>(.*?)</v>", body or "")
                value = found.group(1) if found else ""
            has_formula = "<f>" in (body or "")
            cells[ref] = ("f" if has_formula else kind, value)
        rows.append(cells)
    return rows


def test_the_export_holds_the_filtered_list_with_french_headers_and_dates(app, client, agent):
    kept = make_letter(
        app,
        agent,
        last_name='=HYPERLINK("http://x")',
        first_name="+1",
        effective_date=date(2026, 7, 3),
    )
    make_letter(app, agent, last_name="Autre")
    with app.app_context(), tenant_scope(agent.tenant_id):
        letter = db.session.get(Letter, kept)
        letter.created_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        reference = letter.reference
        db.session.commit()
    response = client.get("/resiliation/courriers/export.xlsx?onglet=tous&souscripteur=hyperlink")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"].startswith('attachment; filename="resiliations-')
    assert response.is_streamed
    rows = sheet_rows(response.get_data())
    headers = [value for _kind, value in rows[0].values()]
    assert headers[:3] == ["N°", "Souscripteur", "Adresse du souscripteur"]
    assert "Date de prise d'effet" in headers and "Suivi" in headers and "Contrats" in headers
    assert len(rows) == 2  # the header and the one letter the filter keeps
    row = rows[1]
    assert row["A"][1] == reference
    assert row["B"] == ("s", '=HYPERLINK("http://x") +1') or row["B"] == (
        "inlineStr",
        '=HYPERLINK("http://x") +1',
    )
    assert all(kind != "f" for kind, _value in row.values())  # never a formula
    assert row["F"] == ("n", str((date(2026, 7, 3) - date(1899, 12, 30)).days))  # a date
    assert float(row["O"][1]) == pytest.approx(
        (date(2026, 3, 2) - date(1899, 12, 30)).days + 10.5 / 24  # 10:30 in Paris
    )
    assert row["G"][1] == "Complémentaire Santé : 1234"


def test_the_export_never_holds_another_accounts_letters(app, client, agent, make_account):
    other = make_account("resilimo", email="other-export@agence.fr")
    make_letter(app, other, last_name="Voisin")
    mine = make_letter(app, agent, last_name="Moi")
    rows = sheet_rows(client.get("/resiliation/courriers/export.xlsx").get_data())
    assert len(rows) == 2
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert rows[1]["A"][1] == db.session.get(Letter, mine).reference


def test_the_export_reads_its_letters_in_chunks(app, client, agent, monkeypatch):
    from plugins.resiliation import export

    monkeypatch.setattr(export, "CHUNK", 2)
    ids = [make_letter(app, agent, last_name=f"Nom{n}") for n in range(5)]
    rows = sheet_rows(client.get("/resiliation/courriers/export.xlsx").get_data())
    assert len(rows) == 6
    with app.app_context(), tenant_scope(agent.tenant_id):
        references = [db.session.get(Letter, i).reference for i in ids[::-1]]
    assert [row["A"][1] for row in rows[1:]] == references
