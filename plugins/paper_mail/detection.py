"""The recipient's address read in the first document's window (manual §8.3): the text layer
inside ``rules.ADDRESS_BLOCK`` (pypdfium2), else OCR of that zone rendered as an image
(Tesseract, French). The user confirms what was read.

Owner: helper « checks ». API: ``detect_address(pdf: bytes) -> DetectedAddress | None`` with
``lines: list[str]`` (as read, top to bottom), ``method: "text" | "ocr"``, and the parsed
``name``, ``address_lines`` (1–4), ``postal_code``, ``city`` (None when the last line is not
« 38000 GRENOBLE »-like); ``detect_for_mail(mail) -> DetectedAddress | None`` (cached in
``mail.detected_address``, keyed on the first document's id; no commit).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field

from plugins.paper_mail.models import DocumentStatus, PaperMail
from plugins.paper_mail.rules import ADDRESS_BLOCK, ADDRESS_LINES_MAX, Box
from portal.core.storage import storage
from portal.core.uploads import PDFIUM_LOCK

log = logging.getLogger(__name__)

POINTS_PER_MM = 72 / 25.4
OCR_DPI = 300
POSTAL_LINE = re.compile(r"^(\d{5})\s+(\S.*)$")
# A line worth keeping: two letters or digits at least (OCR turns specks into « . » or « ' »).
USEFUL_LINE = re.compile(r"\w.*\w", re.UNICODE)


@dataclass
class DetectedAddress:
    """What was read in the window: ``lines`` as read, and their parts when they parse."""

    lines: list[str]
    method: str  # "text" (the PDF's text layer) or "ocr" (Tesseract on the rendered window)
    name: str = ""
    address_lines: list[str] = field(default_factory=list)
    postal_code: str | None = None
    city: str | None = None

    @property
    def complete(self) -> bool:
        """A name, 1–4 address lines, a postal code and a city: printable as it is."""
        return bool(
            self.name
            and 1 <= len(self.address_lines) <= ADDRESS_LINES_MAX
            and self.postal_code
            and self.city
        )

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> DetectedAddress:
        return cls(
            lines=list(data.get("lines") or []),
            method=data.get("method") or "text",
            name=data.get("name") or "",
            address_lines=list(data.get("address_lines") or []),
            postal_code=data.get("postal_code"),
            city=data.get("city"),
        )


def parse_lines(lines: list[str], method: str) -> DetectedAddress | None:
    """Name = first line; postal code and city = the last « 38000 GRENOBLE » line; the lines
    between are the address (lines after the city, such as « FRANCE » or « CEDEX », are kept in
    ``lines`` only). None when there is nothing to read."""
    lines = [" ".join(line.split()) for line in lines]
    lines = [line for line in lines if USEFUL_LINE.search(line)]
    if not lines:
        return None
    found = DetectedAddress(lines=lines, method=method, name=lines[0])
    postal = None
    for index in range(len(lines) - 1, 0, -1):
        match = POSTAL_LINE.match(lines[index])
        if match:
            postal = index
            found.postal_code, found.city = match.group(1), match.group(2).strip()
            break
    end = postal if postal is not None else len(lines)
    found.address_lines = lines[1:end]
    return found


def _points(page, box: Box) -> dict[str, float]:
    """``box`` (mm from the top-left) as pdfium's bounds (points, y axis from the bottom)."""
    height = page.get_height()
    return {
        "left": box.left * POINTS_PER_MM,
        "right": box.right * POINTS_PER_MM,
        "top": height - box.top * POINTS_PER_MM,
        "bottom": height - box.bottom * POINTS_PER_MM,
    }


def text_in_box(page, box: Box) -> list[str]:
    """The text layer's lines inside ``box``."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_bounded(**_points(page, box))
    finally:
        textpage.close()
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


def window_image(page, box: Box):
    """``box`` of ``page`` rendered at 300 dpi in grey (a PIL image), for OCR."""
    bounds = _points(page, box)
    width, height = page.get_size()
    # pdfium crops from each edge, in points.
    crop = (bounds["left"], bounds["bottom"], width - bounds["right"], height - bounds["top"])
    return page.render(scale=OCR_DPI / 72, crop=crop, grayscale=True).to_pil()


def ocr_image(image) -> list[str]:
    """Tesseract's lines (French, one block: ``--psm 6``) of ``image``; [] when Tesseract is
    missing or fails (logged: the user then types the address)."""
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - installed with the plugin
        log.warning("pytesseract is not installed: no OCR of the address window")
        return []
    try:
        text = pytesseract.image_to_string(image, lang="fra", config="--psm 6", timeout=30)
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError) as e:
        log.warning("OCR of the address window failed: %s", e)
        return []
    return [line for line in text.splitlines() if line.strip()]


def detect_address(pdf: bytes) -> DetectedAddress | None:
    """The address in the window of ``pdf``'s first page: its text layer, else OCR; None when
    nothing usable is there (or the PDF cannot be read)."""
    import pypdfium2

    with PDFIUM_LOCK:  # PDFium is not thread-safe; Tesseract runs after, without it
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError:
            return None
        try:
            if len(document) == 0:
                return None
            page = document[0]
            found = parse_lines(text_in_box(page, ADDRESS_BLOCK), "text")
            window = None if found is not None else window_image(page, ADDRESS_BLOCK)
        finally:
            document.close()
    return found if window is None else parse_lines(ocr_image(window), "ocr")


def detect_for_mail(mail: PaperMail) -> DetectedAddress | None:
    """The address read in the mail's first document, when it is converted (READY). Read once
    per first document: ``mail.detected_address`` keeps the result with that document's id
    (``lines`` empty when nothing was found), so reordering or replacing the first document reads
    again. The caller commits."""
    documents = sorted(mail.documents, key=lambda d: d.position)
    if not documents or documents[0].status != DocumentStatus.READY or not documents[0].pdf_key:
        return None
    first = documents[0]
    cached = mail.detected_address
    if cached and cached.get("document_id") == first.id:
        return DetectedAddress.from_json(cached) if cached.get("lines") else None
    found = detect_address(storage().read(first.pdf_key))
    mail.detected_address = {
        **(found.as_json() if found else {"lines": []}),
        "document_id": first.id,
    }
    return found
