"""Documents users upload (identity documents, message attachments, deposits): what a file really
is, judged by its content, and the checks every upload goes through once — size, type, pixel
count, active content in PDFs, antivirus — and the PNG pages operators preview a PDF through."""

from __future__ import annotations

import io
import logging
import math
import re
import threading
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import BinaryIO

from flask import Request
from flask_babel import gettext as _

from portal.core import antivirus
from portal.core.accounts.validators import BIDI_CONTROLS

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# A 10 MB file can still declare billions of pixels (a "pixel bomb"): refused from its header.
MAX_IMAGE_PIXELS = 40_000_000

# Dictionary keys and action types that make a PDF run something when opened or clicked.
ACTIVE_PDF_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles"})
ACTIVE_PDF_ACTIONS = frozenset({"/JavaScript", "/Launch"})


class _UploadHead(SpooledTemporaryFile):
    """An uploaded file as the form parser receives it, keeping only its first ``keep`` bytes:
    enough to say "too large" next to the field, while the request's other fields still parse."""

    def __init__(self, keep: int):
        super().__init__(max_size=512 * 1024, mode="rb+")
        self._room = keep

    def write(self, data) -> int:
        kept = data[: max(self._room, 0)]
        self._room -= len(kept)
        if kept:
            super().write(kept)
        return len(data)


class UploadRequest(Request):
    """The portal's request: no file part is kept beyond one byte over the upload limit, so an
    oversized file is refused by the form (its other fields kept), not by a bare 413 page."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return _UploadHead(MAX_DOCUMENT_BYTES + 1)


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
        return JPEG if _image_pixels(data) is not None else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if data[12:16] == b"IHDR" and _image_pixels(data) is not None else None
    return None


def _image_pixels(data: bytes) -> float | None:
    """The pixel count an image declares in its header, after Pillow's structural check (neither
    decodes the pixels); None for a broken image. Past Pillow's own bomb limit: infinite."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = image.width * image.height
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return math.inf
    except Exception:  # noqa: BLE001 - Pillow raises many types for a broken file
        return None
    return pixels


def pdf_is_active(data: bytes) -> bool:
    """Whether a PDF carries content that runs or drops something (JavaScript, launch actions,
    embedded files), looked for in its object tree: the objects of compressed
    object streams and names written with ``#xx`` escapes are read as a viewer would."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    seen: set[int] = set()
    stack = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if ACTIVE_PDF_KEYS.intersection(node) or node.get("/S") in ACTIVE_PDF_ACTIONS:
                return True
            stack.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


# Operators see an uploaded PDF as PNG pages rendered here, never the PDF in their browser.
PREVIEW_PAGES = 3
PREVIEW_WIDTH_PX = 1200
PREVIEW_MAX_PIXELS = 4_000_000  # a page drawn very tall or very wide stays a bounded image
# PDFium is not thread-safe: every use of pypdfium2 in the process holds this lock.
PDFIUM_LOCK = threading.Lock()


def pdf_page_count(data: bytes) -> int:
    """The number of pages PDFium reads in a PDF (0 when it cannot read the file)."""
    import pypdfium2

    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return 0
        try:
            return len(document)
        finally:
            document.close()


def render_pdf_page(data: bytes, index: int) -> bytes:
    """Page ``index`` (from 0) of a PDF as a PNG, 1200 px wide at most; IndexError past the end
    (a file PDFium cannot read has no page). PDFium draws the page only: no script runs."""
    import pypdfium2

    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            raise IndexError(index) from None
        try:
            if not 0 <= index < len(document):
                raise IndexError(index)
            page = document[index]
            width, height = page.get_size()
            scale = min(PREVIEW_WIDTH_PX / width, (PREVIEW_MAX_PIXELS / (width * height)) ** 0.5)
            image = page.render(scale=scale).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


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
    """The user's file name for display and download, with the extension of the real type
    (control characters and those that reorder the display are dropped)."""
    base = re.split(r"[\\/]", declared or "")[-1]
    base = BIDI_CONTROLS.sub("", re.sub(r"[\x00-\x1f\x7f]", "", base)).strip()
    stem = base.rsplit(".", 1)[0].strip() if "." in base else base
    return (stem[:200] or default) + extension


def read_document(stream: BinaryIO, declared_name: str | None, default_name: str = "document"):
    """Read an uploaded document and check it: not empty, at most 10 MB, a real PDF, JPEG or
    PNG, at most 40 Mpx, no active content in a PDF, clean for the antivirus. Returns an
    :class:`AcceptedDocument`; raises :class:`UploadRefused`."""
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if not data:
        raise UploadRefused(_("Le fichier est vide."))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UploadRefused(_("Le fichier est trop volumineux : 10 Mo au maximum."))
    file_type = sniff_document(data)
    if file_type is None:
        raise UploadRefused(
            _(
                "Ce fichier n'est pas un PDF, une image JPEG ou PNG lisible. "
                "Enregistrez votre document dans l'un de ces formats."
            )
        )
    if file_type is PDF:
        _check_pdf(data)
    elif _image_pixels(data) > MAX_IMAGE_PIXELS:
        raise UploadRefused(
            _(
                "Image trop grande : réduisez-la à 40 millions de pixels au plus "
                "(par exemple 8000 × 5000)."
            )
        )
    scan_upload(data)
    return AcceptedDocument(
        data, file_type, display_name(declared_name, file_type.extension, default_name)
    )


def _check_pdf(data: bytes) -> None:
    from pypdf.errors import PyPdfError

    try:
        active = pdf_is_active(data)
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        raise UploadRefused(
            _(
                "Ce PDF est illisible ou protégé par un mot de passe. "
                "Enregistrez-le à nouveau sans protection, ou envoyez une image."
            )
        ) from None
    if active:
        raise UploadRefused(
            _(
                "Ce PDF contient du contenu actif (script, lancement d'application ou fichier "
                "joint) : nous ne l'acceptons pas. Imprimez-le en PDF ou envoyez une image."
            )
        )


def scan_upload(data: bytes) -> None:
    """Every accepted file goes through the antivirus; a scanner that cannot answer refuses."""
    try:
        threat = antivirus.scanner().scan(data)
    except antivirus.ScannerUnavailable:
        log.exception("antivirus unavailable: upload refused")
        raise UploadRefused(
            _(
                "Nous ne pouvons pas vérifier ce fichier pour le moment : il n'a pas été "
                "enregistré. Réessayez dans quelques minutes."
            )
        ) from None
    if threat is not None:
        log.warning("upload refused by the antivirus: %s", threat)
        raise UploadRefused(
            _(
                "Ce fichier contient un virus ou un programme malveillant : "
                "il n'a pas été enregistré."
            )
        )
