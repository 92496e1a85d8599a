"""Exactly what is printed: the address-carrier page when the address is typed, then each
document in order; what the printer receives and what the print preview shows.

Owner: helper « documents ». API: ``printed_documents(mail) -> list[NewDocument]`` (the files
handed to the sending, carrier page first), ``preview_pages(mail) -> list[PreviewPage]``
(document id or None for the carrier page, page number, front/back of which sheet),
``preview_png(mail, index: int, width: int = 600) -> bytes`` and
``thumbnail_png(document, width: int = 160) -> bytes``.

The printer starts every file on a new sheet: in duplex a file of an odd page count leaves the
back of its last sheet blank, and the carrier page (one page) is printed on a sheet of its own.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

from plugins.paper_mail.documents import pdf_bytes, ready
from plugins.paper_mail.models import PaperDocument, PaperMail, RecipientSource
from plugins.paper_mail.rules import A4_MM
from portal.core.sendings import NewDocument
from portal.core.uploads import PDFIUM_LOCK

CARRIER_FILENAME = "page-porte-adresse.pdf"
RECTO, VERSO = "recto", "verso"


@dataclass(frozen=True)
class PreviewPage:
    """One printed side: page ``page`` (from 1) of document ``document_id`` (None: the
    address-carrier page) on the ``side`` of sheet ``sheet`` (from 1); ``blank``: the back of a
    sheet left white (then ``page`` is 0)."""

    document_id: int | None
    page: int
    sheet: int
    side: str
    blank: bool = False


def _typed(mail: PaperMail) -> bool:
    return mail.recipient_source == RecipientSource.TYPED


def _carrier_pdf(mail: PaperMail) -> bytes:
    # Imported here: the carrier page is another module's, and only a typed address needs it.
    from plugins.paper_mail.carrier import carrier_page

    return carrier_page(mail)


def _ordered(mail: PaperMail) -> list[PaperDocument]:
    return sorted(mail.documents, key=lambda document: document.position)


def printed_documents(mail: PaperMail) -> list[NewDocument]:
    """The PDFs handed to the printer, in print order: the carrier page when the address is
    typed, then each document (numbered, so the names stay unique and sorted). ``ValueError``
    while a document is not converted."""
    if not ready(mail):
        raise ValueError(f"mail {mail.id}: its documents are not all ready")
    files = [NewDocument(CARRIER_FILENAME, _carrier_pdf(mail))] if _typed(mail) else []
    for number, document in enumerate(_ordered(mail), start=1):
        stem = re.sub(r"\.[^.]*$", "", document.filename) or "document"
        files.append(NewDocument(f"{number:02d}-{stem}.pdf", pdf_bytes(document)))
    return files


def _sides(document_id: int | None, pages: int, first_sheet: int, duplex: bool):
    """The sides a file of ``pages`` pages takes from sheet ``first_sheet``."""
    sides = []
    for page in range(1, pages + 1):
        if duplex:
            sheet, side = first_sheet + (page - 1) // 2, RECTO if page % 2 else VERSO
        else:
            sheet, side = first_sheet + page - 1, RECTO
        sides.append(PreviewPage(document_id, page, sheet, side))
    if duplex and pages % 2:
        sides.append(PreviewPage(document_id, 0, sides[-1].sheet, VERSO, blank=True))
    return sides


def preview_pages(mail: PaperMail) -> list[PreviewPage]:
    """Every printed side in order, sheet by sheet (blank backs included in duplex): what the
    print preview shows, one image each (:func:`preview_png`)."""
    files: list[tuple[int | None, int]] = [(None, 1)] if _typed(mail) else []
    files += [(document.id, document.pages) for document in _ordered(mail)]
    sides: list[PreviewPage] = []
    for document_id, pages in files:
        sides += _sides(document_id, pages, (sides[-1].sheet + 1) if sides else 1, mail.duplex)
    return sides


def _render(pdf: bytes, index: int, width: int, grey: bool) -> bytes:
    """Page ``index`` (from 0) of ``pdf`` as a PNG ``width`` pixels wide."""
    import pypdfium2

    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            if not 0 <= index < len(document):
                raise IndexError(index)
            page = document[index]
            image = page.render(scale=width / page.get_width(), grayscale=grey).to_pil()
        finally:
            document.close()
    return _png(image)


def _png(image: Image.Image) -> bytes:

    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def _blank(width: int) -> bytes:
    """The white back of a sheet, A4 proportions."""
    from PIL import Image

    return _png(Image.new("L", (width, round(width * A4_MM[1] / A4_MM[0])), 255))


def preview_png(mail: PaperMail, index: int, width: int = 600) -> bytes:
    """Side ``index`` (from 0) of :func:`preview_pages` as a PNG ``width`` pixels wide, in grey
    when the mail is printed in black and white; ``IndexError`` past the last side."""
    sides = preview_pages(mail)
    if not 0 <= index < len(sides):
        raise IndexError(index)
    side = sides[index]
    if side.blank:
        return _blank(width)
    if side.document_id is None:
        pdf = _carrier_pdf(mail)
    else:
        document = next(each for each in mail.documents if each.id == side.document_id)
        pdf = pdf_bytes(document)
    return _render(pdf, side.page - 1, width, grey=not mail.colour)


def thumbnail_png(document: PaperDocument, width: int = 160) -> bytes:
    """The first page of a converted document as a small PNG (``ValueError`` while it is not
    converted)."""
    return _render(pdf_bytes(document), 0, width, grey=False)
