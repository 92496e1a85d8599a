"""Exactly what is printed: the documents in their order, each from a new sheet, blank backs in
duplex after an odd page count, the address-carrier page first (recto only) when the address is
typed; the print preview draws each side (white for a blank back, grey in black and white) and
each document has a PNG thumbnail of its first page."""

from __future__ import annotations

import io

import pytest
from papermailkit import letter_pdf, make_mail
from PIL import Image

from plugins.paper_mail import assembly, documents
from plugins.paper_mail.assembly import PreviewPage, preview_pages, preview_png, printed_documents
from plugins.paper_mail.models import DocumentStatus, PaperMail, RecipientSource
from plugins.paper_mail.rules import sheets_of
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture(scope="module")
def pdfs():
    return {pages: letter_pdf(pages=pages) for pages in (1, 2, 3)}


@pytest.fixture
def account(make_account):
    return make_account()


def png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data))


def test_duplex_sides_sheet_by_sheet_with_blank_backs(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[3], pdfs[2], pdfs[1]])
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        a, b, c = (d.id for d in sorted(mail.documents, key=lambda d: d.position))
        assert mail.duplex  # by default
        assert preview_pages(mail) == [
            PreviewPage(a, 1, 1, "recto"),
            PreviewPage(a, 2, 1, "verso"),
            PreviewPage(a, 3, 2, "recto"),
            PreviewPage(a, 0, 2, "verso", blank=True),  # the next file starts a new sheet
            PreviewPage(b, 1, 3, "recto"),
            PreviewPage(b, 2, 3, "verso"),
            PreviewPage(c, 1, 4, "recto"),
            PreviewPage(c, 0, 4, "verso", blank=True),
        ]
        # The same sheets as the rules count (checks and pricing use those).
        assert preview_pages(mail)[-1].sheet == sum(sheets_of(n, True) for n in (3, 2, 1))

        mail.duplex = False
        sides = preview_pages(mail)
        assert [(s.document_id, s.page, s.sheet, s.side) for s in sides] == [
            (a, 1, 1, "recto"),
            (a, 2, 2, "recto"),
            (a, 3, 3, "recto"),
            (b, 1, 4, "recto"),
            (b, 2, 5, "recto"),
            (c, 1, 6, "recto"),
        ]


def test_the_preview_draws_every_side(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[1], pdfs[2]])
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        first = png(preview_png(mail, 0))
        assert first.width == 600 and first.height == pytest.approx(600 * 297 / 210, abs=2)
        assert first.convert("L").getextrema()[0] < 100  # the letter's text is drawn
        blank = png(preview_png(mail, 1))
        assert blank.convert("L").getextrema() == (255, 255)
        assert png(preview_png(mail, 3, width=300)).width == 300
        with pytest.raises(IndexError):
            preview_png(mail, 4)

        mail.colour = False  # printed in black and white: shown in grey
        assert png(preview_png(mail, 0)).mode == "L"


def test_a_thumbnail_is_the_first_page_as_a_small_png(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[3]])
    with app.app_context(), tenant_scope(account.tenant_id):
        document = db.session.get(PaperMail, mail_id).documents[0]
        assert png(assembly.thumbnail_png(document)).width == 160
        document.status = DocumentStatus.PENDING
        with pytest.raises(ValueError):
            assembly.thumbnail_png(document)


def test_the_printer_gets_the_documents_in_their_order(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[1], pdfs[3]])
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        first, second = sorted(mail.documents, key=lambda d: d.position)
        documents.move(second, -1)
        files = printed_documents(mail)
        assert [f.filename for f in files] == ["01-document-2.pdf", "02-document-1.pdf"]
        assert [f.content for f in files] == [pdfs[3], pdfs[1]]

        first.status = DocumentStatus.PENDING  # a conversion still running: nothing to print
        with pytest.raises(ValueError):
            printed_documents(mail)
        db.session.rollback()


def test_a_typed_address_puts_the_carrier_page_first_recto_only(app, account, pdfs):
    from plugins.paper_mail import carrier

    if not hasattr(carrier, "carrier_page"):
        pytest.skip("the address-carrier page (plugins.paper_mail.carrier) is not written yet")
    mail_id = make_mail(
        app,
        account,
        documents=[pdfs[2]],
        recipient_source=RecipientSource.TYPED,
        recipient_name="SARL DUPOND",
        recipient_lines=["1 RUE DES FLEURS"],
        recipient_postal_code="38000",
        recipient_city="GRENOBLE",
    )
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        (document,) = mail.documents
        files = printed_documents(mail)
        assert [f.filename for f in files] == ["page-porte-adresse.pdf", "01-document-1.pdf"]
        assert files[0].content.startswith(b"%PDF-")
        assert preview_pages(mail) == [
            PreviewPage(None, 1, 1, "recto"),
            PreviewPage(None, 0, 1, "verso", blank=True),
            PreviewPage(document.id, 1, 2, "recto"),
            PreviewPage(document.id, 2, 2, "verso"),
        ]
        carrier_side = png(preview_png(mail, 0))
        assert carrier_side.convert("L").getextrema()[0] < 100  # the address is printed
