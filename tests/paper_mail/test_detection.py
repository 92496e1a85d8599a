"""The recipient read in the first document's window: from the text layer, from a scan by OCR,
nothing when the window is empty; read once per first document."""

from __future__ import annotations

import pytest
from papermailkit import DUPOND, letter_pdf, make_mail, scanned

from plugins.paper_mail.detection import (
    DetectedAddress,
    detect_address,
    detect_for_mail,
    parse_lines,
)
from plugins.paper_mail.models import PaperMail
from plugins.paper_mail.rules import Box
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db

LONG = [
    "Madame Élodie Martin",
    "Résidence Les Tilleuls",
    "12 avenue du Général de Gaulle",
    "BP 42",
    "69003 Lyon CEDEX 03",
]


@pytest.fixture(scope="module")
def letter() -> bytes:
    return letter_pdf()


def test_the_text_layer_is_read(letter):
    found = detect_address(letter)
    assert found.method == "text"
    assert found.lines == DUPOND
    assert (found.name, found.address_lines) == ("SARL DUPOND", ["1 RUE DES FLEURS"])
    assert (found.postal_code, found.city) == ("38000", "GRENOBLE")
    assert found.complete


def test_a_scanned_letter_is_read_by_ocr(letter):
    found = detect_address(scanned(letter))
    assert found.method == "ocr"
    assert found.lines == DUPOND
    assert (found.postal_code, found.city) == ("38000", "GRENOBLE")


def test_a_scanned_letter_with_accents_and_four_lines():
    found = detect_address(scanned(letter_pdf(LONG)))
    assert found.method == "ocr"
    assert found.name == "Madame Élodie Martin"
    assert found.address_lines == LONG[1:4]
    assert (found.postal_code, found.city) == ("69003", "Lyon CEDEX 03")


def test_nothing_in_the_window_is_none():
    assert detect_address(letter_pdf([])) is None
    # An address elsewhere on the page is not the window's.
    assert detect_address(letter_pdf(at=Box(15, 150, 80, 30))) is None
    assert detect_address(b"not a pdf") is None


def test_without_tesseract_a_scan_gives_none(monkeypatch, letter):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    assert detect_address(scanned(letter)) is None


def test_parsing_the_lines():
    found = parse_lines(["  SARL  DUPOND ", "1 RUE DES FLEURS", "38000 GRENOBLE", "FRANCE"], "ocr")
    assert found.name == "SARL DUPOND"
    assert found.address_lines == ["1 RUE DES FLEURS"]
    assert (found.postal_code, found.city) == ("38000", "GRENOBLE")
    # No « 38000 GRENOBLE » line: the user completes it.
    found = parse_lines(["M DUPOND", "1 RUE DES FLEURS", "GRENOBLE"], "text")
    assert found.postal_code is None and found.address_lines == ["1 RUE DES FLEURS", "GRENOBLE"]
    assert not found.complete
    assert parse_lines([" ", ".", "'"], "ocr") is None
    assert DetectedAddress.from_json(found.as_json()) == found


def test_detected_once_per_first_document(app, make_account, letter):
    account = make_account()
    other = letter_pdf(["CABINET MARTIN", "2 PLACE BELLECOUR", "69002 LYON"])
    mail_id = make_mail(app, account, documents=[letter, other])
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        first, second = mail.documents
        assert detect_for_mail(mail).lines == DUPOND
        assert mail.detected_address["document_id"] == first.id
        db.session.commit()

        # The same first document is not read again (its stored PDF is not even opened).
        storage().put(first.pdf_key, other, "application/pdf")
        assert detect_for_mail(mail).lines == DUPOND

        # Another first document is read.
        first.position, second.position = 1, 0
        db.session.flush()
        db.session.expire(mail, ["documents"])
        assert detect_for_mail(mail).lines == ["CABINET MARTIN", "2 PLACE BELLECOUR", "69002 LYON"]
        assert mail.detected_address["document_id"] == second.id


def test_nothing_found_is_remembered_too(app, make_account):
    account = make_account()
    mail_id = make_mail(app, account, documents=[letter_pdf([])])
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        assert detect_for_mail(mail) is None
        assert mail.detected_address == {"lines": [], "document_id": mail.documents[0].id}
        storage().put(mail.documents[0].pdf_key, letter_pdf(), "application/pdf")
        assert detect_for_mail(mail) is None
