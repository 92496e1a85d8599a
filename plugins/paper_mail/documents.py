"""A mail's documents (manual §8.1): add files (type checked by content, antivirus, ≤ 10 Mo),
remove, reorder, staple; each file becomes the PDF that is printed (``conversion``).

Owner: helper « documents ». Public API used by the views and other modules:

- ``add_file(mail, stream, filename) -> PaperDocument`` — reads and checks the upload
  (``portal.core.uploads``: sniffed type, antivirus), refuses with ``DocumentRefused(message)``
  (a translated sentence for the field) a file over the tenant's ``max_file_mb`` or of a type not
  accepted; stores the original; a PDF is READY at once (pages counted), an image or office file
  is PENDING and its conversion job is enqueued. The mail's other documents are never touched.
- ``remove(document)``; ``move(document, offset: int)`` (−1 up, +1 down);
  ``set_order(mail, ids: list[int])`` (drag and drop; ids of another mail are refused);
- ``set_staple(document, on: bool)`` (only from ``rules.STAPLE_FROM_PAGES`` pages);
  ``staple_all(mail)`` (« Agrafer tout »: every document that may be stapled);
- ``may_staple(document) -> bool``; ``pdf_bytes(document) -> bytes`` (READY only);
- ``ready(mail) -> bool`` (at least one document, all READY); ``pending(mail) -> bool``;
- ``error_message(document) -> str | None``: why a FAILED document was not converted, translated.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import event

from plugins.paper_mail.i18n import _
from plugins.paper_mail.models import DocumentStatus, MailState, PaperDocument, PaperMail
from plugins.paper_mail.rules import MAX_FILE_BYTES, MAX_SHEETS, STAPLE_FROM_PAGES
from portal.core.storage import storage
from portal.core.storage.base import tenant_key
from portal.core.tenants import tenant_directory
from portal.core.uploads import (
    MAX_IMAGE_PIXELS,
    UploadRefused,
    display_name,
    pdf_is_active,
    pdf_page_count,
    scan_upload,
)
from portal.extensions import db

PDF, IMAGE, OFFICE = "pdf", "image", "office"


@dataclass(frozen=True)
class FileKind:
    """What an upload really is: its media type, the extension it is stored with, and how it
    becomes a PDF (``PDF`` as is, ``IMAGE`` on A4 pages, ``OFFICE`` by LibreOffice)."""

    media_type: str
    extension: str
    family: str


KINDS = [
    FileKind("application/pdf", ".pdf", PDF),
    FileKind("image/png", ".png", IMAGE),
    FileKind("image/jpeg", ".jpg", IMAGE),
    FileKind("image/tiff", ".tif", IMAGE),
    FileKind("image/gif", ".gif", IMAGE),
    FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", OFFICE
    ),
    FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", OFFICE),
    FileKind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
        OFFICE,
    ),
    FileKind("application/vnd.oasis.opendocument.text", ".odt", OFFICE),
    FileKind("application/vnd.oasis.opendocument.spreadsheet", ".ods", OFFICE),
    FileKind("application/vnd.oasis.opendocument.presentation", ".odp", OFFICE),
    FileKind("application/msword", ".doc", OFFICE),
    FileKind("application/vnd.ms-excel", ".xls", OFFICE),
    FileKind("application/vnd.ms-powerpoint", ".ppt", OFFICE),
]
_BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}

# Office Open XML: the main part's content type in ``[Content_Types].xml`` (macro-enabled
# variants are not accepted: their type differs).
_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# Legacy Office files are OLE2 compound files: the stream that names the application.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# (Word and PowerPoint keep their text in UTF-16 too: their longer names are looked for first.)
_OLE2_STREAMS = [
    ("WordDocument", "application/msword"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
]
# A zip whose members declare more than this once inflated is refused (a « zip bomb » would
# keep LibreOffice busy until its time limit).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


class DocumentRefused(ValueError):
    """A file or an action refused for a reason the user can fix; ``message`` (translated) is
    shown next to the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def kind_of_media_type(media_type: str) -> FileKind | None:
    return _BY_MEDIA_TYPE.get(media_type)


def sniff(data: bytes) -> FileKind | None:
    """The kind of an upload judged by its content only (a PDF named ``.docx`` is a PDF, a
    program named ``.pdf`` is nothing we accept)."""
    if data.startswith(b"%PDF-"):
        return _BY_MEDIA_TYPE["application/pdf"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _BY_MEDIA_TYPE["image/png"]
    if data.startswith(b"\xff\xd8\xff"):
        return _BY_MEDIA_TYPE["image/jpeg"]
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return _BY_MEDIA_TYPE["image/tiff"]
    if data.startswith((b"GIF87a", b"GIF89a")):
        return _BY_MEDIA_TYPE["image/gif"]
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(_OLE2):
        for stream, media_type in _OLE2_STREAMS:
            # The compound file's directory holds stream names in UTF-16.
            if stream.encode("utf-16-le") in data:
                return _BY_MEDIA_TYPE[media_type]
    return None


def _sniff_zip(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                return None
            if "mimetype" in names:  # OpenDocument: its first member names the type
                media_type = archive.read("mimetype").decode("ascii", "replace").strip()
                kind = _BY_MEDIA_TYPE.get(media_type)
                return kind if kind is not None and kind.family == OFFICE else None
            if "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml")
                for main, media_type in _OOXML_MAIN.items():
                    if re.search(rb'ContentType="' + re.escape(main) + rb'"', types):
                        return _BY_MEDIA_TYPE[media_type]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return None
    return None


def _limit_bytes(mail: PaperMail) -> int:
    """The tenant's largest file (``max_file_mb``), never above the portal's 10 Mo: the upload
    request keeps no more than that."""
    tenant = tenant_directory().get(mail.tenant_id)
    settings = tenant.settings_for("paper_mail") if tenant is not None else None
    megabytes = settings.max_file_mb if settings is not None else MAX_FILE_BYTES // 2**20
    return min(megabytes * 2**20, MAX_FILE_BYTES)


def _check_pdf(data: bytes) -> int:
    """The pages of an uploaded PDF; refuses one that is protected, unreadable or active."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    unreadable = _(
        "Ce PDF est illisible : enregistrez-le à nouveau depuis votre logiciel puis ajoutez-le."
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        raise DocumentRefused(unreadable) from None
    if encrypted:
        raise DocumentRefused(
            _(
                "Ce PDF est protégé par un mot de passe ou contre l'impression : enregistrez-le "
                "sans protection puis ajoutez-le."
            )
        )
    try:
        active = pdf_is_active(data)
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        raise DocumentRefused(unreadable) from None
    if active:
        raise DocumentRefused(
            _(
                "Ce PDF contient du contenu actif (script, lancement d'application ou fichier "
                "joint) : imprimez-le en PDF depuis votre logiciel puis ajoutez-le."
            )
        )
    pages = pdf_page_count(data)
    if pages < 1:
        raise DocumentRefused(unreadable)
    return pages


def _check_image(data: bytes) -> None:
    from PIL import Image

    unreadable = _("Cette image est illisible : enregistrez-la à nouveau puis ajoutez-la.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = image.width * image.height
            frames = getattr(image, "n_frames", 1)
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        pixels, frames = MAX_IMAGE_PIXELS + 1, 1
    except Exception:  # noqa: BLE001 - Pillow raises many types for a broken file
        raise DocumentRefused(unreadable) from None
    if pixels > MAX_IMAGE_PIXELS:
        raise DocumentRefused(
            _(
                "Image trop grande : réduisez-la à 40 millions de pixels au plus "
                "(par exemple 8000 × 5000)."
            )
        )
    if frames > 2 * MAX_SHEETS:
        raise DocumentRefused(
            _("Cette image compte trop de pages : un courrier compte au plus 95 feuilles.")
        )


def _editable(mail: PaperMail) -> None:
    if mail.state != MailState.DRAFT:
        raise DocumentRefused(
            _("Ce courrier est validé : ses documents ne peuvent plus être modifiés.")
        )


def add_file(mail: PaperMail, stream: BinaryIO, filename: str | None) -> PaperDocument:
    """Add an uploaded file at the end of ``mail``'s documents (see the module's docstring).
    Every check runs before anything is written: a refused file leaves the mail as it was."""
    from plugins.paper_mail.conversion import convert_document
    from portal.core.jobs import enqueue

    _editable(mail)
    limit = _limit_bytes(mail)
    data = stream.read(limit + 1)
    if not data:
        raise DocumentRefused(_("Le fichier est vide."))
    if len(data) > limit:
        raise DocumentRefused(
            _("Le fichier dépasse %(size)s Mo : réduisez-le ou découpez-le.", size=limit // 2**20)
        )
    kind = sniff(data)
    if kind is None:
        raise DocumentRefused(
            _(
                "Ce type de fichier n'est pas accepté : ajoutez un PDF, une image (PNG, JPEG, "
                "TIFF, GIF) ou un document Word, Excel, PowerPoint ou LibreOffice."
            )
        )
    pages = _check_pdf(data) if kind.family == PDF else 0
    if kind.family == IMAGE:
        _check_image(data)
    try:
        scan_upload(data)
    except UploadRefused as refused:
        raise DocumentRefused(refused.message) from None

    positions = [document.position for document in mail.documents]
    document = PaperDocument(
        filename=display_name(filename, kind.extension),
        media_type=kind.media_type,
        size_bytes=len(data),
        position=max(positions) + 1 if positions else 0,
        status=DocumentStatus.READY if kind.family == PDF else DocumentStatus.PENDING,
        pages=pages,
    )
    mail.documents.append(document)
    db.session.flush()  # its id names its files
    key = tenant_key(mail.tenant_id, "paper_mail", mail.reference, f"{document.id}{kind.extension}")
    storage().put(key, data, kind.media_type)
    document.original_key = key
    _delete_files_when("rollback", [key])
    if kind.family == PDF:
        document.pdf_key = key
    else:
        enqueue(convert_document, document.id)
    return document


def _delete_files_when(outcome: str, keys: list[str]) -> None:
    """Delete ``keys`` from the storage once the session's transaction ends with ``outcome``
    ("commit": a removed document's files; "rollback": the files of a document whose row was
    never committed). Either way the first end settles it: a later transaction of the same
    session leaves them alone."""
    settled = False

    def ended(with_outcome: str):
        def listener(session) -> None:
            nonlocal settled
            if not settled:
                settled = True
                if with_outcome == outcome:
                    for key in keys:
                        storage().delete(key)

        return listener

    event.listen(db.session(), "after_commit", ended("commit"), once=True)
    event.listen(db.session(), "after_rollback", ended("rollback"), once=True)


def _renumber(mail: PaperMail, ordered: list[PaperDocument]) -> None:
    for position, document in enumerate(ordered):
        document.position = position
    mail.documents.sort(key=lambda document: document.position)


def remove(document: PaperDocument) -> None:
    """Remove a document from its mail (and, once committed, its files); the others close up."""
    mail = document.mail
    _editable(mail)
    keys = sorted({key for key in (document.original_key, document.pdf_key) if key})
    mail.documents.remove(document)
    db.session.delete(document)
    _renumber(mail, sorted(mail.documents, key=lambda each: each.position))
    db.session.flush()
    _delete_files_when("commit", keys)


def move(document: PaperDocument, offset: int) -> None:
    """Move a document ``offset`` places (−1: up, +1: down), kept within the list: the buttons
    that work without JavaScript."""
    mail = document.mail
    _editable(mail)
    ordered = sorted(mail.documents, key=lambda each: each.position)
    index = ordered.index(document)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    _renumber(mail, ordered)


def set_order(mail: PaperMail, ids: list[int]) -> None:
    """The order given by drag and drop: ``ids`` must be exactly the mail's documents, each
    once (another mail's id, a missing or repeated one: ``ValueError``, nothing changes)."""
    _editable(mail)
    ids = [int(each) for each in ids]  # a form posts strings; a non-number is a ValueError too
    by_id = {document.id: document for document in mail.documents}
    if len(ids) != len(by_id) or set(ids) != set(by_id):
        raise ValueError("the order must list each of the mail's documents once")
    _renumber(mail, [by_id[each] for each in ids])


def may_staple(document: PaperDocument) -> bool:
    """« Agrafer » is offered for a converted document of at least 3 pages (one staple per
    file: files are never stapled together)."""
    return document.status == DocumentStatus.READY and document.pages >= STAPLE_FROM_PAGES


def set_staple(document: PaperDocument, on: bool) -> None:
    _editable(document.mail)
    if on and not may_staple(document):
        raise DocumentRefused(
            _(
                "Un document s'agrafe à partir de %(pages)s pages : celui-ci n'en a pas assez.",
                pages=STAPLE_FROM_PAGES,
            )
        )
    document.staple = on


def staple_all(mail: PaperMail) -> int:
    """« Agrafer tout »: staple every document that may be; how many are stapled now."""
    _editable(mail)
    stapled = 0
    for document in mail.documents:
        if may_staple(document):
            document.staple = True
            stapled += 1
    return stapled


def pdf_bytes(document: PaperDocument) -> bytes:
    """The PDF that is printed for this document (READY only: ``ValueError`` otherwise)."""
    if document.status != DocumentStatus.READY or not document.pdf_key:
        raise ValueError(f"document {document.id} is not ready")
    return storage().read(document.pdf_key)


def ready(mail: PaperMail) -> bool:
    """At least one document, and every one converted."""
    return bool(mail.documents) and all(
        document.status == DocumentStatus.READY for document in mail.documents
    )


def pending(mail: PaperMail) -> bool:
    """A conversion is queued or running (the page refreshes until it is done)."""
    return any(document.status == DocumentStatus.PENDING for document in mail.documents)


def error_message(document: PaperDocument) -> str | None:
    """Why a document could not be converted, in the user's language (the job stores the
    French sentence)."""
    return _(document.error) if document.error else None
