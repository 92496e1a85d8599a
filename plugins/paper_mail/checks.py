"""Pre-flight checks of a mail before its price (issue 17 §2): sheets against the envelopes
(``rules.envelope_plan``), pages that are not A4, content outside the printable area
(``rules.PRINTABLE_MARGIN_MM``), the address block in the window (``rules.ADDRESS_BLOCK`` under
``rules.QR_MARK``) when the address is read from the first document. Each failure says what to
change.

Owner: helper « checks ». API: ``preflight(mail) -> Preflight`` with ``problems: list[Problem]``
(``Problem(code, message, document_id=None, page=None)``, ``message`` translated),
``sheets: int``, ``plan: EnvelopePlan | None``; ``ok`` when no problem;
``sheets_of_mail(mail) -> int``.
Pure helpers on PDF bytes: ``outside_printable_area(pdf: bytes) -> list[int]`` (1-based pages),
``off_size_pages(pdf) -> list[tuple[int, float, float]]``, ``window_problem(pdf: bytes) -> str |
None``.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

from plugins.paper_mail.i18n import _, ngettext
from plugins.paper_mail.models import DocumentStatus, PaperMail, RecipientSource
from plugins.paper_mail.rules import (
    A4_MM,
    ADDRESS_BLOCK,
    ADDRESS_WINDOW,
    PRINTABLE_MARGIN_MM,
    QR_MARK,
    Box,
    EnvelopePlan,
    EnvelopeProblem,
    Mode,
    envelope_plan,
    sheets_of,
)
from portal.core.storage import storage
from portal.core.uploads import PDFIUM_LOCK

MM_PER_POINT = 25.4 / 72
A4_TOLERANCE_MM = 3.0
# Pages are rendered at 72 dpi (1 px ≈ 0.35 mm), grey: fast enough for 95 pages, fine enough
# for a 5 mm band. A pixel darker than INK is printed matter (pale colours included).
RENDER_SCALE = 1.0
INK = 235
# Fewer dark pixels than this in a zone are a speck (scanner dust), not content.
SPECK_PIXELS = 3
# Anti-aliasing bleeds about a pixel: content starting exactly on the 5 mm line is not flagged.
MARGIN_TOLERANCE_MM = 0.5
# A glyph crossing an edge of the window has ink on both sides of it, within this band.
EDGE_BAND_MM = 0.75


@dataclass(frozen=True)
class Problem:
    """What stops the mail from being priced and sent; ``message`` says what to change."""

    code: str
    message: str
    document_id: int | None = None
    page: int | None = None


@dataclass
class Preflight:
    """The checks' outcome: ``sheets`` (carrier page included), the envelopes (None when they
    do not fit) and the problems."""

    problems: list[Problem] = field(default_factory=list)
    sheets: int = 0
    plan: EnvelopePlan | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.plan is not None


# --- Pure checks on a PDF ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """What a PDF's checks found, cached by content (a mail is checked on every step)."""

    pages: int
    outside: tuple[int, ...]
    off_size: tuple[tuple[int, float, float], ...]
    window: tuple[tuple[str, int], ...] | None  # None: the first page is not A4 portrait


_CACHE: OrderedDict[str, _Facts] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()


def _ink_box(
    image: Image.Image, box_px: tuple[int, int, int, int], min_pixels: int = SPECK_PIXELS
) -> tuple | None:
    """The bounding box (pixels, relative to ``box_px``) of the ink in that part of ``image``;
    None when there is none, or only a speck of dust from a scanner (under ``min_pixels``)."""

    left, top, right, bottom = box_px
    left, top = max(0, left), max(0, top)
    right, bottom = min(image.width, right), min(image.height, bottom)
    if right <= left or bottom <= top:
        return None
    ink = image.crop((left, top, right, bottom)).point(lambda v: 255 if v < INK else 0)
    if ink.histogram()[255] < min_pixels:
        return None
    return ink.getbbox()


def _px(value_mm: float, per_mm: float) -> int:
    return round(value_mm * per_mm)


def _box_px(box: Box, per_mm: float) -> tuple[int, int, int, int]:
    return (
        _px(box.left, per_mm),
        _px(box.top, per_mm),
        _px(box.right, per_mm),
        _px(box.bottom, per_mm),
    )


def _outside(image: Image.Image, per_mm: float) -> bool:
    """Ink in the outer band of the page, where the printer prints nothing."""

    band = math.floor((PRINTABLE_MARGIN_MM - MARGIN_TOLERANCE_MM) * per_mm)
    w, h = image.size
    strips = [(0, 0, w, band), (0, h - band, w, h), (0, 0, band, h), (w - band, 0, w, h)]
    return any(_ink_box(image, strip) for strip in strips)


def _is_a4(width_mm: float, height_mm: float) -> bool:
    size = sorted((width_mm, height_mm))
    return all(abs(a - b) <= A4_TOLERANCE_MM for a, b in zip(size, sorted(A4_MM), strict=True))


def _window(image: Image.Image, per_mm: float) -> tuple[tuple[str, int], ...]:
    """Problems of the address block on a portrait A4 first page: (code, millimetres), told
    in words by :func:`_window_message` (the facts are cached, the words follow the locale)."""

    problems: list[tuple[str, int]] = []
    in_mark = _ink_box(image, _box_px(QR_MARK, per_mm))
    if in_mark:
        ink_top_mm = QR_MARK.top + in_mark[1] / per_mm
        problems.append(("qr_mark", max(1, math.ceil(QR_MARK.bottom - ink_top_mm))))
    if not in_mark and not _ink_box(image, _box_px(ADDRESS_BLOCK, per_mm)):
        problems.append(("no_address", 0))
    edge, window = EDGE_BAND_MM, ADDRESS_WINDOW
    sides = [
        Box(window.left - edge, window.top, 2 * edge, window.height),
        Box(window.right - edge, window.top, 2 * edge, window.height),
    ]
    if any(_ink_box(image, _box_px(side, per_mm)) for side in sides):
        problems.append(("window_side", 0))
    below = Box(window.left, window.bottom - edge, window.width, 2 * edge)
    if _ink_box(image, _box_px(below, per_mm)):
        problems.append(("window_bottom", 0))
    return tuple(problems)


def _window_message(code: str, mm: int) -> str:
    if code == "qr_mark":
        return _(
            "Document 1, page 1 : la première ligne de l'adresse doit se trouver sous le "
            "repère QR code : descendez l'adresse de %(mm)d mm.",
            mm=mm,
        )
    if code == "no_address":
        return _(
            "Document 1, page 1 : aucune adresse dans la fenêtre de l'enveloppe. Placez "
            "l'adresse du destinataire à %(left)d mm du bord gauche et %(top)d mm du haut "
            "de la page, ou saisissez l'adresse.",
            left=ADDRESS_BLOCK.left,
            top=ADDRESS_BLOCK.top,
        )
    if code == "window_side":
        return _(
            "Document 1, page 1 : l'adresse dépasse sur le côté de la fenêtre de "
            "l'enveloppe : commencez-la à %(left)d mm du bord gauche et limitez ses "
            "lignes à 38 caractères.",
            left=ADDRESS_WINDOW.left,
        )
    if code == "window_bottom":
        return _(
            "Document 1, page 1 : l'adresse dépasse sous la fenêtre de l'enveloppe "
            "(%(bottom)d mm du haut de la page) : remontez-la ou réduisez-la à 6 lignes.",
            bottom=ADDRESS_WINDOW.bottom,
        )
    return _(
        "Document 1, page 1 : la première page doit être au format A4 portrait pour "
        "que l'adresse apparaisse dans la fenêtre ; changez son format ou saisissez "
        "l'adresse."
    )


def _facts(pdf: bytes) -> _Facts:
    key = hashlib.sha256(pdf).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with PDFIUM_LOCK:  # PDFium is not thread-safe
        facts = _read_facts(pdf)
    with _LOCK:
        _CACHE[key] = facts
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return facts


def _read_facts(pdf: bytes) -> _Facts:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        outside: list[int] = []
        off_size: list[tuple[int, float, float]] = []
        window = None
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            try:
                width_mm, height_mm = (v * MM_PER_POINT for v in page.get_size())
                if not _is_a4(width_mm, height_mm):
                    off_size.append((number, round(width_mm), round(height_mm)))
                image = page.render(scale=RENDER_SCALE, grayscale=True).to_pil().convert("L")
                per_mm = image.width / width_mm
                if _outside(image, per_mm):
                    outside.append(number)
                if number == 1 and _is_a4(width_mm, height_mm) and height_mm > width_mm:
                    window = _window(image, per_mm)
            finally:
                page.close()
        return _Facts(len(document), tuple(outside), tuple(off_size), window)
    finally:
        document.close()


def outside_printable_area(pdf: bytes) -> list[int]:
    """The pages (1-based) with content in the outer ``PRINTABLE_MARGIN_MM`` of the page."""
    return list(_facts(pdf).outside)


def off_size_pages(pdf: bytes) -> list[tuple[int, float, float]]:
    """The pages that are not A4 (either way, ±3 mm): (page, width mm, height mm)."""
    return list(_facts(pdf).off_size)


def window_problems(pdf: bytes) -> list[tuple[str, str]]:
    """What is wrong with the address block of the first page, (code, message) each."""
    window = _facts(pdf).window
    if window is None:
        return [("window_page", _window_message("window_page", 0))]
    return [(code, _window_message(code, mm)) for code, mm in window]


def window_problem(pdf: bytes) -> str | None:
    """The first problem of the address block of the first page, None when it fits."""
    problems = window_problems(pdf)
    return problems[0][1] if problems else None


# --- A mail ------------------------------------------------------------------------------------


def page_list(pages: list[int]) -> str:
    """« 1 », « 1 et 3 », « 1 à 4, 7 et 9 »: runs of three pages or more as a range."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(first)d à %(last)d", first=run[0], last=run[-1]))
        else:
            parts.extend(str(page) for page in run)
    if len(parts) == 1:
        return parts[0]
    return _("%(list)s et %(last)s", list=", ".join(parts[:-1]), last=parts[-1])


def _where(number: int, pages: list[int]) -> str:
    return ngettext(
        "Document %(number)d, page %(pages)s",
        "Document %(number)d, pages %(pages)s",
        len(pages),
        number=number,
        pages=page_list(pages),
    )


def _documents(mail: PaperMail) -> list:
    return sorted(mail.documents, key=lambda d: d.position)


def sheets_of_mail(mail: PaperMail) -> int:
    """Sheets printed: each converted document on its own sheets (duplex or not), plus the
    address-carrier page when the address is typed."""
    sheets = sum(
        sheets_of(document.pages, mail.duplex)
        for document in _documents(mail)
        if document.status == DocumentStatus.READY
    )
    if mail.recipient_source == RecipientSource.TYPED:
        sheets += 1
    return sheets


def preflight(mail: PaperMail) -> Preflight:
    """Every check of ``mail`` before its price: documents converted, envelopes, page format,
    printable area, and the address in the window when it is read from the first document."""
    import pypdfium2

    result = Preflight(sheets=sheets_of_mail(mail))
    problems = result.problems
    documents = _documents(mail)
    if not documents:
        problems.append(Problem("no_document", _("Ajoutez au moins un document à imprimer.")))
        return result

    readable: list[tuple[int, object, _Facts]] = []
    for number, document in enumerate(documents, start=1):
        if document.status == DocumentStatus.PENDING:
            problems.append(
                Problem(
                    "pending",
                    _(
                        "Le document %(number)d (%(name)s) est en cours de conversion : "
                        "patientez quelques secondes puis rechargez la page.",
                        number=number,
                        name=document.filename,
                    ),
                    document.id,
                )
            )
        elif document.status != DocumentStatus.READY or not document.pdf_key:
            problems.append(
                Problem(
                    "failed",
                    _(
                        "Le document %(number)d (%(name)s) n'a pas pu être converti : "
                        "retirez-le ou remplacez-le par un PDF.",
                        number=number,
                        name=document.filename,
                    ),
                    document.id,
                )
            )
        else:
            try:
                facts = _facts(storage().read(document.pdf_key))
            except (pypdfium2.PdfiumError, OSError, KeyError):
                problems.append(
                    Problem(
                        "unreadable",
                        _(
                            "Le document %(number)d (%(name)s) ne peut pas être lu : "
                            "retirez-le ou remplacez-le par un PDF valide.",
                            number=number,
                            name=document.filename,
                        ),
                        document.id,
                    )
                )
                continue
            readable.append((number, document, facts))

    if result.sheets:
        try:
            result.plan = envelope_plan(result.sheets, Mode(mail.mode))
        except EnvelopeProblem as e:
            problems.append(Problem("envelope", _(e.message)))

    for number, document, facts in readable:
        if facts.off_size:
            width, height = facts.off_size[0][1:]
            problems.append(
                Problem(
                    "page_size",
                    _(
                        "%(where)s : format %(width)d × %(height)d mm, l'imprimeur n'imprime "
                        "que du A4 (210 × 297 mm) ; enregistrez ou exportez le document au format "
                        "A4.",
                        where=_where(number, [page for page, _w, _h in facts.off_size]),
                        width=width,
                        height=height,
                    ),
                    document.id,
                    facts.off_size[0][0],
                )
            )
        if facts.outside:
            problems.append(
                Problem(
                    "printable_area",
                    _(
                        "%(where)s : du contenu dépasse la zone imprimable (%(margin)d mm depuis "
                        "le bord) ; réduisez les marges de votre document.",
                        where=_where(number, list(facts.outside)),
                        margin=PRINTABLE_MARGIN_MM,
                    ),
                    document.id,
                    facts.outside[0],
                )
            )

    if mail.recipient_source == RecipientSource.DETECTED and readable and readable[0][0] == 1:
        _number, first, facts = readable[0]
        window = facts.window if facts.window is not None else (("window_page", 0),)
        for code, mm in window:
            problems.append(Problem(code, _window_message(code, mm), first.id, 1))
    return result
