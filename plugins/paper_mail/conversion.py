"""Turning an uploaded file into the PDF that is printed: office files (Word, Excel, PowerPoint,
LibreOffice) by LibreOffice headless in a job — its own profile and temporary folder per worker
process and thread, a time limit, a clear message when the file cannot be converted — and images
(PNG, JPEG, TIFF, GIF) onto A4 pages.

Owner: helper « documents ». ``convert_document(tenant_id, document_id)`` is the job
(idempotent: a READY or FAILED document is left alone); ``office_to_pdf(data, filename) ->
bytes`` and ``image_to_pdf(data) -> bytes`` are the pure parts; ``ConversionFailed(message)``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from PIL import Image

from plugins.paper_mail.rules import A4_MM, PRINTABLE_MARGIN_MM
from portal.core.i18n import N_
from portal.core.jobs import job
from portal.core.uploads import pdf_page_count

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 60
# Images are laid on A4 pages at this resolution: sharp enough for a scanned letter, and a
# page stays a bounded image (1654 × 2339 px) whatever the upload's size.
IMAGE_DPI = 200
# Pages are stored as JPEG, whose edges blur over a few pixels: images sit this far inside the
# printable area so no speck of them reaches the margin the printer leaves white.
IMAGE_INSET_MM = 2.0

NOT_CONVERTED = N_(
    "Ce fichier n'a pas pu être converti en PDF : enregistrez-le en PDF depuis votre logiciel "
    "puis ajoutez-le à nouveau."
)
TIMED_OUT = N_(
    "La conversion de ce fichier en PDF a pris trop de temps : enregistrez-le en PDF depuis "
    "votre logiciel puis ajoutez-le à nouveau."
)
IMAGE_UNREADABLE = N_("Cette image n'a pas pu être lue : enregistrez-la en PDF, PNG ou JPEG.")


class ConversionFailed(Exception):
    """A file that cannot become a PDF; ``message`` is the French sentence shown to the user
    (a msgid of the plugin's domain, translated where it is displayed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- LibreOffice ----------------------------------------------------------------------------

_root_lock = threading.Lock()
_roots: dict[int, Path] = {}


def _process_root() -> Path:
    """This process's own folder for LibreOffice (profiles and temporary files): keyed on the
    pid, so a forked worker never reuses its parent's; removed when the process exits."""
    pid = os.getpid()
    with _root_lock:
        if pid not in _roots:
            root = Path(tempfile.mkdtemp(prefix=f"portal-office-{pid}-"))
            _roots[pid] = root
            atexit.register(shutil.rmtree, root, True)
        return _roots[pid]


def _thread_home() -> Path:
    """The calling thread's folder: two LibreOffice instances sharing a profile lock each other
    out (or corrupt it), so every worker thread has its own, reused from one file to the next."""
    home = _process_root() / f"thread-{threading.get_ident()}"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return home


# The profile's settings before LibreOffice first starts: no macro ever runs and no image or link
# is fetched from the network while an uploaded file is read.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def _profile(home: Path) -> Path:
    """The thread's LibreOffice profile, its safety settings written before its first use."""
    profile = home / "profile"
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(_PROFILE_SETTINGS, encoding="utf-8")
    return profile


def _timeout() -> float:
    value = current_app.config.get("PORTAL_OFFICE_TIMEOUT") or os.environ.get(
        "PORTAL_OFFICE_TIMEOUT"
    )
    return float(value) if value else DEFAULT_TIMEOUT_SECONDS


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        # Not the user's fault: the job fails and is retried once LibreOffice is installed.
        raise RuntimeError("LibreOffice (soffice) is not installed")
    return found


def office_to_pdf(data: bytes, filename: str) -> bytes:
    """``data`` (a Word, Excel, PowerPoint or LibreOffice file named ``filename``) converted by
    LibreOffice headless; raises :class:`ConversionFailed` when it cannot be read or takes longer
    than ``PORTAL_OFFICE_TIMEOUT`` seconds (the whole LibreOffice process group is killed)."""
    home = _thread_home()
    suffix = Path(filename).suffix.lower() if "." in filename else ""
    work = Path(tempfile.mkdtemp(dir=home / "tmp"))
    try:
        source = work / f"document{suffix}"
        source.write_bytes(data)
        out = work / "out"
        command = [
            _soffice(),
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nologo",
            "--nodefault",
            f"-env:UserInstallation={_profile(home).as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "TMPDIR": str(work), "HOME": str(home)}
        process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=work,
            start_new_session=True,  # its own process group, killed as a whole on timeout
        )
        try:
            _, errors = process.communicate(timeout=_timeout())
        except subprocess.TimeoutExpired:
            _kill_group(process)
            # A profile left by a killed instance may be locked or half written: start afresh.
            shutil.rmtree(home / "profile", ignore_errors=True)
            log.warning("LibreOffice timed out converting %s", filename)
            raise ConversionFailed(TIMED_OUT) from None
        pdf = out / "document.pdf"
        if process.returncode != 0 or not pdf.is_file():
            log.info(
                "LibreOffice could not convert %s (%s): %s",
                filename,
                process.returncode,
                errors.decode(errors="replace")[-500:],
            )
            raise ConversionFailed(NOT_CONVERTED)
        content = pdf.read_bytes()
        if pdf_page_count(content) < 1:
            raise ConversionFailed(NOT_CONVERTED)
        return content
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


# --- Images ---------------------------------------------------------------------------------


def _page_pixels() -> tuple[tuple[int, int], tuple[int, int]]:
    """The A4 page and the box an image is fitted in, in pixels at :data:`IMAGE_DPI`."""
    width, height = (round(mm / 25.4 * IMAGE_DPI) for mm in A4_MM)
    margin = round((PRINTABLE_MARGIN_MM + IMAGE_INSET_MM) / 25.4 * IMAGE_DPI)
    return (width, height), (width - 2 * margin, height - 2 * margin)


def _flatten(frame: Image.Image) -> Image.Image:
    """A frame as RGB on white (a transparent background prints as paper, not black)."""
    from PIL import Image, ImageOps

    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return frame.convert("RGB")


def image_to_pdf(data: bytes) -> bytes:
    """An image (PNG, JPEG, TIFF, GIF) as A4 portrait pages, one per frame (a multi-page TIFF, an
    animated GIF), each fitted in the printable area with its proportions kept and centred."""
    from PIL import Image, ImageSequence

    try:
        source = Image.open(io.BytesIO(data))
        (page_w, page_h), (box_w, box_h) = _page_pixels()
        pages = []
        for frame in ImageSequence.Iterator(source):
            picture = _flatten(frame)
            scale = min(box_w / picture.width, box_h / picture.height)
            size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
            picture = picture.resize(size, Image.Resampling.LANCZOS)
            page = Image.new("RGB", (page_w, page_h), "white")
            page.paste(picture, ((page_w - size[0]) // 2, (page_h - size[1]) // 2))
            pages.append(page)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.info("image could not be read: %s", error)
        raise ConversionFailed(IMAGE_UNREADABLE) from None
    if not pages:
        raise ConversionFailed(IMAGE_UNREADABLE)
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=IMAGE_DPI, save_all=True, append_images=pages[1:])
    return out.getvalue()


# --- The job --------------------------------------------------------------------------------


@job(queue="default")
def convert_document(tenant_id, document_id):
    """Convert a PENDING document to the PDF that is printed: READY with its pages counted, or
    FAILED with the message the user sees next to it. Safe to run twice: a document already
    READY or FAILED (or deleted meanwhile) is left alone."""
    from plugins.paper_mail.documents import IMAGE, OFFICE, kind_of_media_type
    from plugins.paper_mail.models import DocumentStatus, PaperDocument
    from portal.core.storage import storage
    from portal.extensions import db

    document = db.session.get(PaperDocument, document_id)
    if document is None or document.status != DocumentStatus.PENDING:
        return
    kind = kind_of_media_type(document.media_type)
    data = storage().read(document.original_key)
    try:
        if kind is not None and kind.family == OFFICE:
            pdf = office_to_pdf(data, document.filename)
            document.converted = True
        elif kind is not None and kind.family == IMAGE:
            pdf = image_to_pdf(data)
        else:
            raise ConversionFailed(NOT_CONVERTED)
    except ConversionFailed as failure:
        document.status = DocumentStatus.FAILED
        document.error = failure.message
        return
    key = f"{document.original_key.rsplit('/', 1)[0]}/{document.id}-print.pdf"
    storage().put(key, pdf, "application/pdf")
    document.pdf_key = key
    document.pages = pdf_page_count(pdf)
    document.status = DocumentStatus.READY
    document.error = None


JOBS = [convert_document]
