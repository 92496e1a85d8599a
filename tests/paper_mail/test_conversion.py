"""Files become the PDF that is printed: Word and LibreOffice documents by LibreOffice in the
conversion job (pages counted, « la mise en page n'est pas garantie »), a file LibreOffice cannot
read or that takes too long FAILED with its message while the others convert, images on A4
pages inside the printable area (one page per TIFF frame)."""

from __future__ import annotations

import io
import shutil
import threading
import time
from pathlib import Path

import pypdfium2
import pytest
from papermailkit import letter_pdf, make_mail
from PIL import Image

from plugins.paper_mail import conversion, documents
from plugins.paper_mail.conversion import (
    NOT_CONVERTED,
    TIMED_OUT,
    ConversionFailed,
    convert_document,
    image_to_pdf,
)
from plugins.paper_mail.models import DocumentStatus, PaperMail
from plugins.paper_mail.rules import A4_MM, PRINTABLE_MARGIN_MM
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"
needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed",
)


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    document = pypdfium2.PdfDocument(pdf)
    return [(round(p.get_width() * 25.4 / 72), round(p.get_height() * 25.4 / 72)) for p in document]


def add(app, account, mail_id, files: list[tuple[str, bytes]]) -> list[int]:
    """Upload ``files`` (name, content) to the mail and commit: their conversions are sent."""
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        ids = [documents.add_file(mail, io.BytesIO(data), name) for name, data in files]
        db.session.commit()
        return [document.id for document in ids]


def states(app, account, mail_id) -> dict[str, tuple]:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        return {
            d.filename: (d.status, d.pages, d.converted, documents.error_message(d))
            for d in mail.documents
        }


@needs_office
def test_word_odt_and_excel_converted_a_corrupt_file_failed_the_others_intact(app, make_account):
    account = make_account()
    mail_id = make_mail(app, account, documents=[letter_pdf()])
    add(
        app,
        account,
        mail_id,
        [
            ("lettre.docx", (FIXTURES / "letter.docx").read_bytes()),
            ("lettre.odt", (FIXTURES / "letter.odt").read_bytes()),
            ("abîmé.docx", (FIXTURES / "corrupt.docx").read_bytes()),
            ("tableau.xlsx", (FIXTURES / "table.xlsx").read_bytes()),
        ],
    )
    drain(app, timeout=240)
    assert states(app, account, mail_id) == {
        "document-1.pdf": (DocumentStatus.READY, 1, False, None),
        "lettre.docx": (DocumentStatus.READY, 2, True, None),
        "lettre.odt": (DocumentStatus.READY, 2, True, None),
        "abîmé.docx": (DocumentStatus.FAILED, 0, False, NOT_CONVERTED),
        "tableau.xlsx": (DocumentStatus.READY, 1, True, None),
    }
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        word = next(d for d in mail.documents if d.filename == "lettre.docx")
        assert word.pdf_key != word.original_key
        assert page_sizes_mm(documents.pdf_bytes(word)) == [(210, 297)] * 2
        assert not documents.ready(mail) and not documents.pending(mail)


@needs_office
def test_a_conversion_that_takes_too_long_is_stopped(app, make_account, monkeypatch):
    account = make_account()
    mail_id = make_mail(app, account, documents=[])
    monkeypatch.setitem(app.config, "PORTAL_OFFICE_TIMEOUT", 0.2)
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        data = (FIXTURES / "letter.docx").read_bytes()
        document = documents.add_file(mail, io.BytesIO(data), "lent.docx")
        db.session.flush()
        started = time.monotonic()
        convert_document(account.tenant_id, document.id)  # the job's body, here
        assert time.monotonic() - started < 10
        assert document.status == DocumentStatus.FAILED
        assert documents.error_message(document) == TIMED_OUT
        # Run twice (delivery is at least once): a FAILED document stays as it is.
        convert_document(account.tenant_id, document.id)
        assert document.status == DocumentStatus.FAILED
        db.session.rollback()


def test_each_worker_thread_has_its_own_libreoffice_profile():
    homes = []
    together = threading.Barrier(2)  # both threads alive at once, as in a worker

    def remember():
        homes.append(conversion._thread_home())
        together.wait(timeout=10)

    threads = [threading.Thread(target=remember) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    homes.append(conversion._thread_home())
    assert len(set(homes)) == 3
    assert len({home.parent for home in homes}) == 1  # under this process's own folder
    assert all((home / "tmp").is_dir() for home in homes)


def test_no_macro_runs_and_nothing_is_fetched_while_a_file_is_read(tmp_path):
    settings = (conversion._profile(tmp_path) / "user" / "registrymodifications.xcu").read_text()
    for name in ("DisableMacrosExecution", "BlockUntrustedRefererLinks"):
        assert f'oor:name="{name}" oor:op="fuse"><value>true</value>' in settings


def test_a_multi_page_tiff_becomes_one_a4_page_per_frame():
    pdf = image_to_pdf((FIXTURES / "scan.tiff").read_bytes())
    assert page_sizes_mm(pdf) == [(210, 297)] * 3


def ink_box_mm(pdf: bytes, index: int = 0) -> tuple[float, float, float, float]:
    """The bounding box of what is not white on a page, in millimetres."""
    page = pypdfium2.PdfDocument(pdf)[index]
    scale = 2
    image = page.render(scale=scale).to_pil().convert("L")
    left, top, right, bottom = image.point(lambda v: 255 if v < 250 else 0).getbbox()
    mm = 25.4 / (72 * scale)
    return left * mm, top * mm, right * mm, bottom * mm


@pytest.mark.parametrize("size", [(1600, 900), (300, 2400), (1240, 1754)])
def test_an_image_fits_the_printable_area_with_its_proportions(size):
    width, height = size
    image = Image.new("RGB", size, (30, 30, 30))
    data = io.BytesIO()
    image.save(data, "PNG")
    pdf = image_to_pdf(data.getvalue())
    assert page_sizes_mm(pdf) == [(210, 297)]
    left, top, right, bottom = ink_box_mm(pdf)
    margin = PRINTABLE_MARGIN_MM - 0.5
    assert left >= margin and top >= margin
    assert right <= A4_MM[0] - margin and bottom <= A4_MM[1] - margin
    # It fills the printable area in one direction (but for a thin inset), proportions kept.
    assert right - left >= A4_MM[0] - 2 * PRINTABLE_MARGIN_MM - 6 or (
        bottom - top >= A4_MM[1] - 2 * PRINTABLE_MARGIN_MM - 6
    )
    assert right - left == pytest.approx((bottom - top) * width / height, abs=2.5)


def test_a_transparent_image_prints_on_white():
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    data = io.BytesIO()
    image.save(data, "PNG")
    page = pypdfium2.PdfDocument(image_to_pdf(data.getvalue()))[0]
    assert page.render(scale=0.2).to_pil().convert("L").getextrema() == (255, 255)


def test_an_unreadable_image_fails_clearly():
    with pytest.raises(ConversionFailed) as failed:
        image_to_pdf(b"\x89PNG\r\n\x1a\n" + bytes(300))
    assert "n'a pas pu être lue" in failed.value.message


def test_an_uploaded_gif_is_converted_by_the_job(app, make_account):
    account = make_account()
    mail_id = make_mail(app, account, documents=[])
    add(app, account, mail_id, [("photo.gif", (FIXTURES / "photo.gif").read_bytes())])
    drain(app, timeout=60)
    assert states(app, account, mail_id) == {"photo.gif": (DocumentStatus.READY, 1, False, None)}
