"""Pre-flight checks on real PDFs: sheets against the envelopes, pages that are not A4, ink
outside the printable area, the address in the window (under the QR-code mark, not over its
sides); each problem says what to change."""

from __future__ import annotations

import io

import pytest
from papermailkit import letter_pdf, make_mail, scanned
from pypdf import PdfReader, PdfWriter

from plugins.paper_mail import checks
from plugins.paper_mail.models import DocumentStatus, PaperDocument, PaperMail, RecipientSource
from plugins.paper_mail.rules import Box, Envelope, Mode
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture(scope="module")
def pages48() -> bytes:
    return letter_pdf(pages=48)


def first_pages(pdf: bytes, count: int) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in reader.pages[:count]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def check(app, make_account):
    """``check(documents, **mail_fields)`` → the preflight of a new draft with those PDFs."""
    account = make_account()

    def run(documents, **fields):
        mail_id = make_mail(app, account, documents=documents, **fields)
        with app.app_context(), tenant_scope(account.tenant_id):
            return checks.preflight(db.session.get(PaperMail, mail_id))

    return run


def messages(result) -> list[str]:
    return [problem.message for problem in result.problems]


def test_a_one_page_letter_fits_a_small_envelope(check):
    result = check([letter_pdf()], recipient_source=RecipientSource.DETECTED)
    assert result.ok, messages(result)
    assert result.sheets == 1
    assert (result.plan.kind, result.plan.count) == (Envelope.SMALL, 1)


def test_a_scanned_letter_passes_too(check):
    result = check([scanned(letter_pdf())], recipient_source=RecipientSource.DETECTED)
    assert result.ok, messages(result)


def test_the_typed_address_adds_its_carrier_sheet(check, pages48):
    # 10 pages in duplex = 5 sheets, + the carrier page = 6: a large envelope.
    result = check([first_pages(pages48, 10)], recipient_source=RecipientSource.TYPED)
    assert result.ok, messages(result)
    assert result.sheets == 6
    assert (result.plan.kind, result.plan.count) == (Envelope.LARGE, 1)


def test_six_sheets_take_a_large_envelope(check, pages48):
    result = check([first_pages(pages48, 6)], duplex=False)
    assert result.sheets == 6
    assert (result.plan.kind, result.plan.count, result.plan.sheets_per_envelope) == (
        Envelope.LARGE,
        1,
        (6,),
    )


def test_each_document_starts_on_a_new_sheet(check, pages48):
    # Three 3-page documents in duplex: 2 sheets each, not 5 sheets in all.
    three = first_pages(pages48, 3)
    assert check([three, three, three]).sheets == 6


def test_46_sheets_in_lettre_verte_take_two_envelopes(check, pages48):
    result = check([pages48[:], first_pages(pages48, 46)], duplex=False, mode=Mode.LETTRE_VERTE)
    # 48 + 46 = 94 sheets: three large envelopes; with one document of 46 sheets, two.
    assert (result.plan.kind, result.plan.count) == (Envelope.LARGE, 3)
    result = check([first_pages(pages48, 46)], duplex=False, mode=Mode.LETTRE_VERTE)
    assert result.ok, messages(result)
    assert (result.plan.count, result.plan.sheets_per_envelope) == (2, (45, 1))


def test_46_sheets_in_recommande_are_refused(check, pages48):
    result = check([first_pages(pages48, 46)], duplex=False, mode=Mode.RECOMMANDE)
    assert not result.ok and result.plan is None
    [problem] = result.problems
    assert problem.code == "envelope"
    assert "seule enveloppe de 45 feuilles" in problem.message
    assert "recto verso" in problem.message


def test_96_sheets_are_refused(check, pages48):
    result = check([pages48, pages48], duplex=False, recipient_source=RecipientSource.TYPED)
    assert result.sheets == 97
    assert result.plan is None
    assert any("au plus 95 feuilles" in m for m in messages(result))
    # In duplex the same documents fit (24 + 24 + 1 sheets).
    result = check([pages48, pages48], recipient_source=RecipientSource.TYPED)
    assert result.ok and result.sheets == 49


def test_ink_in_the_margin_is_flagged_with_its_document_and_page(check):
    result = check([letter_pdf(), letter_pdf(margin_ink=True, pages=2)])
    [problem] = result.problems
    assert problem.code == "printable_area"
    assert problem.page == 1 and problem.document_id is not None
    assert problem.message == (
        "Document 2, page 1 : du contenu dépasse la zone imprimable (5 mm depuis le bord) ; "
        "réduisez les marges de votre document."
    )


def test_page_lists_read_naturally():
    assert checks.page_list([3]) == "3"
    assert checks.page_list([3, 1]) == "1 et 3"
    assert checks.page_list([1, 2, 3, 4, 7, 9]) == "1 à 4, 7 et 9"


def test_a_letter_size_page_is_flagged(check):
    from weasyprint import HTML

    us_letter = HTML(
        string="<style>@page{size:letter;margin:20mm}</style><p>Dear Sir</p>"
    ).write_pdf()
    result = check([us_letter])
    [problem] = result.problems
    assert problem.code == "page_size"
    assert problem.message.startswith("Document 1, page 1 : format 216 × 279 mm")
    assert "au format A4" in problem.message


def test_a_landscape_a4_page_is_accepted(check):
    from weasyprint import HTML

    landscape = HTML(
        string="<style>@page{size:A4 landscape;margin:20mm}</style><p>Tableau</p>"
    ).write_pdf()
    assert check([landscape]).ok


def test_an_address_over_the_qr_mark_says_how_far_to_move_it(check):
    result = check(
        [letter_pdf(at=Box(100, 40, 100, 45))], recipient_source=RecipientSource.DETECTED
    )
    [problem] = result.problems
    assert problem.code == "qr_mark" and problem.page == 1
    assert problem.message == (
        "Document 1, page 1 : la première ligne de l'adresse doit se trouver sous le repère "
        "QR code : descendez l'adresse de 10 mm."
    )


def test_an_address_outside_the_window_is_refused(check):
    result = check([letter_pdf(at=Box(20, 52, 70, 33))], recipient_source=RecipientSource.DETECTED)
    [problem] = result.problems
    assert problem.code == "no_address"
    assert "aucune adresse dans la fenêtre" in problem.message
    assert "100 mm du bord gauche et 52 mm du haut" in problem.message
    # With a typed address the carrier page carries it: the document is not checked for it.
    assert check([letter_pdf(at=Box(20, 52, 70, 33))], recipient_source="typed").ok


def test_an_address_over_the_window_sides_is_refused(check):
    across_left = letter_pdf(at=Box(85, 55, 60, 30))
    result = check([across_left], recipient_source=RecipientSource.DETECTED)
    assert [p.code for p in result.problems] == ["window_side"]
    assert "commencez-la à 100 mm du bord gauche" in result.problems[0].message

    too_long = letter_pdf(
        ["SARLDUPONDETFILSASSOCIESDEGRENOBLE", "1 RUE", "38000 GRENOBLE"], at=Box(122, 52, 85, 33)
    )
    result = check([too_long], recipient_source=RecipientSource.DETECTED)
    assert [p.code for p in result.problems] == ["window_side"]


def test_an_address_below_the_window_is_refused(check):
    low = letter_pdf(["A", "B", "C", "D", "E", "38000 GRENOBLE"], at=Box(100, 70, 100, 33))
    result = check([low], recipient_source=RecipientSource.DETECTED)
    assert [p.code for p in result.problems] == ["window_bottom"]
    assert "remontez-la" in result.problems[0].message


def test_documents_being_converted_or_failed_block_the_price(app, make_account):
    account = make_account()
    mail_id = make_mail(app, account)
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        for position, (status, name) in enumerate(
            [(DocumentStatus.PENDING, "devis.docx"), (DocumentStatus.FAILED, "plan.odg")], 1
        ):
            db.session.add(
                PaperDocument(
                    mail_id=mail.id,
                    position=position,
                    filename=name,
                    media_type="application/octet-stream",
                    status=status,
                )
            )
        db.session.flush()
        db.session.expire(mail, ["documents"])
        result = checks.preflight(mail)
        assert result.sheets == 1
        assert [p.code for p in result.problems] == ["pending", "failed"]
        assert messages(result)[0].startswith(
            "Le document 2 (devis.docx) est en cours de conversion"
        )
        assert (
            "Le document 3 (plan.odg) n'a pas pu être converti : retirez-le" in messages(result)[1]
        )


def test_a_mail_without_documents(check):
    result = check([])
    assert not result.ok and result.sheets == 0
    assert messages(result) == ["Ajoutez au moins un document à imprimer."]


def test_a_95_page_mail_is_checked_quickly(pages48):
    import time

    big = PdfWriter()
    for pdf in (pages48, pages48):
        for page in PdfReader(io.BytesIO(pdf)).pages:
            big.add_page(page)
    out = io.BytesIO()
    big.write(out)
    started = time.perf_counter()
    assert checks.outside_printable_area(out.getvalue()) == []
    assert time.perf_counter() - started < 3


def test_a_speck_of_scanner_dust_is_not_content():
    from PIL import Image

    def scan(*marks) -> bytes:
        page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
        for box in marks:
            page.paste((0, 0, 0), box)
        out = io.BytesIO()
        page.save(out, "PDF", resolution=150)
        return out.getvalue()

    assert checks.outside_printable_area(scan((10, 10, 11, 11))) == []
    # A 3 mm stamp 2 mm from the bottom edge is cut off by the printer.
    assert checks.outside_printable_area(scan((600, 1725, 618, 1743))) == [1]
