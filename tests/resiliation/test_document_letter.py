"""The termination letter: its PDF (read back as text) and its on-screen preview, from one template,
always in French; the PDF route behind the account wall."""

from __future__ import annotations

import io
from datetime import date

import pytest
from letterkit import make_letter
from pypdf import PdfReader

from plugins.resiliation.models import Letter, LetterContract, MandateKind
from plugins.resiliation.rules import ContractType
from portal.extensions import db

TITLE = "LETTRE RECOMMANDÉE ÉLECTRONIQUE DE RÉSILIATION"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split())  # lines wrap anywhere


def download(client, letter_id: int) -> str:
    response = client.get(f"/resiliation/lettres/{letter_id}/lettre.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return response


@pytest.fixture
def agency(make_account):
    return make_account(
        "resilimo",
        email="agence@fournier.example",
        letterhead_lines=["GESTION RESIL", "Tél. 04 76 00 00 00"],
    )


def test_a_one_contract_letter_reads_like_the_manuals_example(app, agency, logged_in, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        client_reference="DOSSIER-SECRET-42",
        send_date=date(2021, 5, 21),
        mandate_kind=MandateKind.HAND_SIGNED,
    )
    response = download(logged_in(agency), letter_id)
    with in_tenant("resilimo"):
        reference = db.session.get(Letter, letter_id).reference
    assert f"lettre-{reference}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    expected_in_order = [
        "Agence Fournier Assurances",
        "3 place Victor Hugo",
        "38000 Grenoble",
        "N° ORIAS : 12 345 678",
        "GESTION RESIL",
        "MAAF Assurances",
        "Chaban de Chauray",
        "79036 NIORT CEDEX 9",
        "Le 21 mai 2021",
        TITLE,
        "Madame, Monsieur,",
        "Par la présente lettre recommandée électronique, nous vous informons que nous sommes "
        "mandatés par Monsieur Dupont Jean, domicilié :",
        "2 rue des fleurs",
        "38000 GRENOBLE",
        "afin de résilier le contrat suivant :",
        "Référence du contrat : 1234",
        "Type de contrat : Complémentaire Santé",
        "Échéance principale : 01/07/2021",
        "Motif de résiliation : Échéance principale",
        "Cette résiliation prendra effet à l'échéance principale du contrat.",
        "D'avance, nous vous remercions de bien vouloir nous accuser réception",
        "à l'adresse suivante : agence@fournier.example.",
        "Veuillez trouver ci-joint un mandat de résiliation signé par Monsieur Dupont Jean nous "
        "autorisant à envoyer ce courrier pour son compte et en notre nom.",
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        "Agence Fournier Assurances",
        "Courrier signé électroniquement",
    ]
    position = 0
    for part in expected_in_order:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}: {text}"
        position = found + len(part)
    assert "DOSSIER-SECRET-42" not in text
    assert "relevé d'information" not in text


def test_the_preview_of_an_incomplete_transient_letter_shows_placeholders(app, agency, in_tenant):
    from plugins.resiliation.document import render_letter_html

    with in_tenant("resilimo"):
        letter = Letter(account_id=agency.id, managed_by_id=agency.holder_profile_id)
        letter.contracts.append(LetterContract(contract_type=ContractType.AUTO))
        html = str(render_letter_html(letter))
        assert letter not in db.session
    assert TITLE in html
    assert "[Nom du souscripteur]" in html
    assert "[Assureur destinataire]" in html
    assert "[Référence du contrat]" in html
    assert "[Motif de résiliation]" in html
    assert "Type de contrat : Assurance auto" in html
    assert "Agence Fournier Assurances" in html
