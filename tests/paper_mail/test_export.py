"""« Exporter vers Excel » of the paper mail list: the filtered list as a streamed workbook, French
headers, the list's state labels, a recipient looking like a formula kept as text, dates as Excel
dates, only the account's mails (read back by unzipping the sheet's XML)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from papermailkit import make_mail

from plugins.paper_mail.models import PaperMail
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-paper-export@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def sheet_rows(data: bytes) -> list[dict[str, tuple[str, str]]]:
    """Each row of the first sheet: {column letter: (cell type, text or value)}; "f" marks a
    formula."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
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
            cells[ref] = ("f" if "<f>" in (body or "") else kind, value)
        rows.append(cells)
    return rows


def test_the_export_holds_the_filtered_list(app, client, agent, make_account):
    kept = make_mail(app, agent, documents=[], recipient_name='=HYPERLINK("http://x")')
    make_mail(app, agent, documents=[], recipient_name="AUTRE", mode="recommande")
    other = make_account("resilimo", email="autre-paper-export@agence.fr")
    make_mail(app, other, documents=[], recipient_name='=HYPERLINK("http://y")')
    with app.app_context(), tenant_scope(agent.tenant_id):
        mail = db.session.get(PaperMail, kept)
        mail.created_at = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
        reference = mail.reference
        db.session.commit()

    response = client.get("/paper-mail/courriers/export.xlsx?destinataire=hyperlink")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    rows = sheet_rows(response.get_data())
    headers = [value for _kind, value in rows[0].values()]
    assert headers[:7] == [
        "N°",
        "Expéditeur",
        "Destinataire",
        "Mode d'envoi",
        "Créé par",
        "État",
        "Suivi postal",
    ]
    assert len(rows) == 2  # the header and the one mail kept by the filter
    row = rows[1]
    assert row["A"][1] == reference
    assert row["C"] == ("inlineStr", '=HYPERLINK("http://x")')  # text, never a formula
    assert row["D"][1] == "Lettre verte"
    assert row["E"][1] == "Jean Fournier"
    assert row["F"][1] == "Création"
    # Created 09:30 UTC = 10:30 Paris, as an Excel serial date (46448 is 2027-03-02).
    assert row["I"][0] == "n"
    assert float(row["I"][1]) == pytest.approx(46448 + 10.5 / 24, abs=1e-6)

    everything = sheet_rows(client.get("/paper-mail/courriers/export.xlsx").get_data())
    assert len(everything) == 3  # both of the account's mails, not the other account's
    modes = sorted(row["D"][1] for row in everything[1:])
    assert modes == ["Lettre verte", "Recommandé simple"]
