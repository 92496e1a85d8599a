"""Pure rules of the verification module: what an uploaded file really is, validity dates."""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


PDF = FileType("application/pdf", ".pdf")
JPEG = FileType("image/jpeg", ".jpg")
PNG = FileType("image/png", ".png")


def sniff_document(data: bytes) -> FileType | None:
    """The type of an uploaded professional document, judged by its content only (the declared
    name and type are not trusted): PDF, JPEG or PNG, else None."""
    if data.startswith(b"%PDF-"):
        # A complete PDF ends with an end-of-file marker (scanners add a few bytes after it).
        return PDF if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG if _image_parses(data) else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if data[12:16] == b"IHDR" and _image_parses(data) else None
    return None


def _image_parses(data: bytes) -> bool:
    """A cheap real parse of the image's structure (Pillow, already there for WeasyPrint)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - WeasyPrint depends on Pillow
        return True
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many types for a broken file
        return False
    return True


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months``, date to date; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
