"""Documents users upload (identity documents, message attachments, deposits): what a file really
is, judged by its content, and the checks every upload goes through once."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


PDF = FileType("application/pdf", ".pdf")
JPEG = FileType("image/jpeg", ".jpg")
PNG = FileType("image/png", ".png")


def sniff_document(data: bytes) -> FileType | None:
    """The type of an uploaded document, judged by its content only (the declared
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


class UploadRefused(ValueError):
    """A file refused for a reason the user can fix; ``message`` is shown next to the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class AcceptedDocument:
    data: bytes
    file_type: FileType
    filename: str  # the user's name, cleaned, with the extension of the real type


def display_name(declared: str | None, extension: str, default: str = "document") -> str:
    """The user's file name for display and download, with the extension of the real type."""
    base = re.split(r"[\\/]", declared or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    stem = base.rsplit(".", 1)[0].strip() if "." in base else base
    return (stem[:200] or default) + extension


def read_document(stream: BinaryIO, declared_name: str | None, default_name: str = "document"):
    """Read an uploaded document and check it: not empty, at most 10 MB, a real PDF, JPEG or
    PNG. Returns an :class:`AcceptedDocument`; raises :class:`UploadRefused`."""
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if not data:
        raise UploadRefused(_("Le fichier est vide."))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UploadRefused(_("Le fichier dépasse la taille maximale de 10 Mo."))
    file_type = sniff_document(data)
    if file_type is None:
        raise UploadRefused(
            _(
                "Ce fichier n'est pas un PDF, une image JPEG ou PNG lisible. "
                "Enregistrez votre document dans l'un de ces formats."
            )
        )
    return AcceptedDocument(
        data, file_type, display_name(declared_name, file_type.extension, default_name)
    )
