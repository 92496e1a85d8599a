"""Pure rules: the real type of a file, validity dates."""

from __future__ import annotations

from datetime import date

from verifykit import PDF_BYTES, jpeg_bytes, png_bytes

from portal.core.uploads import sniff_document
from portal.core.verification.rules import add_months


def test_the_type_comes_from_the_content():
    assert sniff_document(PDF_BYTES).content_type == "application/pdf"
    assert sniff_document(png_bytes()).content_type == "image/png"
    assert sniff_document(jpeg_bytes()).content_type == "image/jpeg"
    for refused in (
        b"MZ\x90\x00executable",
        b"%PDF-1.4 truncated, no end marker",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0 not really a jpeg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"",
    ):
        assert sniff_document(refused) is None, refused


def test_months_run_date_to_date_and_stop_at_the_month_end():
    assert add_months(date(2025, 3, 15), 12) == date(2026, 3, 15)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
