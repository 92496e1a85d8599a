"""Every upload goes through one check (portal.core.uploads.read_document): PDFs with active
content, pixel bombs and files the antivirus flags are refused with a message the user can act
on, and an antivirus that cannot answer refuses rather than lets the file through."""

from __future__ import annotations

import html
import io
import re

import pytest
from PIL import Image
from uploadkit import compressed_pdf, image_carrying, png_declaring
from webkit import PDF_BYTES, png_bytes

from portal import create_app
from portal.core.antivirus.dev import EICAR
from portal.core.uploads import UploadRefused, read_document


def refusal(data: bytes, name: str = "document.pdf") -> str:
    with pytest.raises(UploadRefused) as refused:
        read_document(io.BytesIO(data), name)
    return str(refused.value.message)


ACTIVE = "Ce PDF contient du contenu actif"


@pytest.mark.parametrize(
    ("catalog", "objects"),
    [
        # JavaScript run at opening, its action name written with a #xx escape
        (b"/OpenAction 5 0 R", (b"<</S/#4AavaScript/JS(app.alert(1))>>",)),
        (b"/Names<</JavaScript 5 0 R>>", (b"<</Names[(x) 6 0 R]>>", b"<</S/JavaScript/JS(1)>>")),
        (b"/OpenAction 5 0 R", (b"<</S/Launch/F(calc.exe)>>",)),
        (b"/AA<</WC 5 0 R>>", (b"<</JS(app.launchURL('x'))>>",)),
        (b"/Names<</EmbeddedFiles 5 0 R>>", (b"<</Names[(a.exe) 6 0 R]>>", b"<</F(a.exe)>>")),
    ],
    ids=["open-action-javascript", "document-javascript", "launch", "close-script", "embedded"],
)
def test_a_pdf_with_active_content_is_refused_even_inside_a_compressed_stream(
    app, catalog, objects
):
    pdf = compressed_pdf(catalog, *objects)
    assert b"JavaScript" not in pdf and b"Launch" not in pdf  # what a byte search would see
    with app.test_request_context():
        assert refusal(pdf).startswith(ACTIVE)


def test_a_plain_pdf_and_one_opening_on_its_first_page_are_accepted(app):
    with app.test_request_context():
        for pdf in (PDF_BYTES, compressed_pdf(), compressed_pdf(b"/OpenAction[4 0 R/Fit]")):
            assert read_document(io.BytesIO(pdf), "scan.pdf").file_type.content_type == (
                "application/pdf"
            )


def test_a_password_protected_pdf_is_refused_with_a_way_out(app):
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret", algorithm="AES-128")
    writer.write(out)
    with app.test_request_context():
        assert "protégé par un mot de passe" in refusal(out.getvalue())


def test_a_pixel_bomb_is_refused_from_its_header(app):
    with app.test_request_context():
        assert refusal(png_declaring(8000, 5001), "photo.png").startswith("Image trop grande")
        # far past Pillow's own limit: still "too large", not "unreadable"
        assert refusal(png_declaring(100_000, 100_000), "photo.png").startswith("Image trop grande")


def test_an_image_at_the_pixel_cap_is_accepted(app):
    out = io.BytesIO()
    Image.new("1", (8000, 5000)).save(out, "PNG")
    with app.test_request_context():
        assert read_document(io.BytesIO(out.getvalue()), "plan.png").file_type.extension == ".png"


def test_a_file_over_10_mb_is_too_large(app):
    with app.test_request_context():
        big = PDF_BYTES + b"%" + b"0" * (10 * 1024 * 1024)
        assert refusal(big) == "Le fichier est trop volumineux : 10 Mo au maximum."


def test_the_development_scanner_refuses_the_eicar_test_file_inside_an_image(app):
    infected = image_carrying(EICAR)
    assert EICAR in infected
    with app.test_request_context():
        assert "contient un virus" in refusal(infected, "photo.png")
        assert read_document(io.BytesIO(png_bytes()), "photo.png").data == png_bytes()


def test_an_antivirus_that_does_not_answer_refuses_the_upload(app_config, unused_port):
    down = create_app(
        {
            **app_config,
            "PORTAL_ANTIVIRUS": "clamd",
            "PORTAL_CLAMD_ADDRESS": f"127.0.0.1:{unused_port}",
        }
    )
    with down.test_request_context():
        assert "Nous ne pouvons pas vérifier ce fichier" in refusal(PDF_BYTES)


def test_an_oversized_attachment_keeps_the_message_and_says_too_large_next_to_the_files(
    make_account, logged_in, post_form
):
    client = logged_in(make_account())
    body = "Bonjour, voici le contrat signé de mon client, merci de le vérifier."
    oversized = PDF_BYTES[:-7] + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    response = post_form(
        client,
        "/messagerie/aide/nouvelle",
        {
            "subject": "mon-compte/modifier-informations",
            "body": body,
            "files": [(io.BytesIO(oversized), "contrat.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(
        r'<p class="error" id="files-error">« contrat.pdf » : Le fichier est trop volumineux', page
    )
    assert body in page
