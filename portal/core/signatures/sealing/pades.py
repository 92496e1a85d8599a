"""PAdES seals on PDFs (pyHanko) and their validation.

Every seal is a PAdES B-T signature (``ETSI.CAdES.detached``, SHA-256) made with the platform's
sealing key, timestamped by the configured authority, appended as an incremental update: earlier
signatures of the same PDF stay valid. A visible seal is a small block at the bottom of the last
page naming the signer and the moment, in the tenant's time zone.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import aiohttp
from asn1crypto import x509 as asn1_x509
from babel.dates import format_datetime, get_timezone_location
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from portal.core.signatures.sealing.keys import (
    SealingError,
    TimestampUnavailable,
    extra_trust_roots,
    sealing_identity,
)
from portal.core.signatures.sealing.loops import outside_event_loops
from portal.core.signatures.sealing.timestamps import timestamp_authority

DEFAULT_TIMEZONE = "Europe/Paris"

# Seal blocks: two columns, filled from the bottom of the last page upwards.
BLOCK_HEIGHT = 42
BLOCK_GAP = 6
BLOCK_MARGIN_X = 36
BLOCK_MARGIN_BOTTOM = 18
COLUMNS = 2
A4 = (0.0, 0.0, 595.28, 841.89)

_TEXTS = {
    "fr": ("Signé électroniquement par {name}", "le {date} ({zone})"),
    "en": ("Electronically signed by {name}", "on {date} ({zone})"),
}


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF as a validator sees it."""

    field_name: str
    signer_name: str
    intact: bool  # the signed bytes are those that were signed
    valid: bool  # the cryptographic signature is correct
    trusted: bool  # the certificate chains up to one of trust_roots()
    timestamped: bool  # a valid, trusted RFC 3161 timestamp covers it
    coverage: str  # "entire_file" (last signature) or "entire_revision" (signed before an update)
    timestamp_at: datetime | None = None
    certificate_name: str = ""
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamped


@outside_event_loops
def seal_pdf(
    pdf: bytes,
    *,
    signer_name: str,
    signed_at: datetime,
    field_name: str,
    reason: str,
    location: str | None = None,
    slot: int = 0,
    visible: bool = True,
    timezone: str | None = None,
    locale: str = "fr",
) -> bytes:
    """Seal ``pdf`` (PAdES B-T) in the name of ``signer_name``; returns the new PDF bytes.

    ``slot`` n places the visible block n-th (two per row from the bottom of the last page);
    ``timezone`` defaults to the current tenant's, else Europe/Paris; ``locale`` is the language
    of the visible block ("fr" or "en").
    """
    identity = sealing_identity()
    authority = timestamp_authority()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except PdfError as exc:
        raise SealingError(f"the document is not a PDF that can be sealed: {exc}") from exc
    if writer.prev.encrypted:
        raise SealingError("an encrypted PDF cannot be sealed")
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
    )
    text_params = None
    stamp_style = None
    if visible:
        box = _block_box(_page_box(writer, -1), slot)
        field_spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=-1, box=box)
        stamp_style = _STAMP_STYLE
        text_params = {"seal_text": _latin1(seal_text(signer_name, signed_at, timezone, locale))}
    else:
        field_spec = fields.SigFieldSpec(sig_field_name=field_name)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=identity.signer,
        timestamper=authority.timestamper(),
        stamp_style=stamp_style,
        new_field_spec=field_spec,
    )
    try:
        output = pdf_signer.sign_pdf(writer, appearance_text_params=text_params)
    except (TimestampRequestError, aiohttp.ClientError, TimeoutError) as exc:
        raise TimestampUnavailable(
            f"the timestamping authority ({authority.name}) gave no timestamp: {exc}"
        ) from exc
    return output.getvalue()


def seal_text(
    signer_name: str, signed_at: datetime, timezone: str | None = None, locale: str = "fr"
) -> str:
    """« Signé électroniquement par NAME\\nle 5 décembre 2026 à 14:32 (heure de Paris) »."""
    zone = ZoneInfo(timezone or _tenant_timezone() or DEFAULT_TIMEZONE)
    local = signed_at.astimezone(zone)
    language = "en" if locale.startswith("en") else "fr"
    first, second = _TEXTS[language]
    if language == "fr":
        date = format_datetime(local, "d MMMM y 'à' HH:mm", locale="fr_FR")
        if local.day == 1:
            date = "1er" + date[1:]
    else:
        date = format_datetime(local, "d MMMM y 'at' HH:mm", locale="en_GB")
    return (
        first.format(name=signer_name) + "\n" + second.format(date=date, zone=_zone(zone, language))
    )


def _zone(zone: ZoneInfo, language: str) -> str:
    city = get_timezone_location(
        zone, locale="fr_FR" if language == "fr" else "en_GB", return_city=True
    )
    if language == "en":
        return f"{city} time"
    elided = unicodedata.normalize("NFD", city[:1]).lower()[:1] in "aeiouyh"
    return f"heure d’{city}" if elided else f"heure de {city}"


def _tenant_timezone() -> str | None:
    """The time zone of the tenant being served (a request's, or the job's tenant scope)."""
    from flask import g, has_app_context, has_request_context

    if not has_app_context():
        return None
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is None:
        from portal.core.tenants.resolver import tenant_directory
        from portal.core.tenants.scoping import active_tenant_id

        tenant_id = active_tenant_id()
        if tenant_id is None:
            return None
        try:
            tenant = tenant_directory().by_id(tenant_id)
        except Exception:  # noqa: BLE001 - no database here: the default zone will do
            return None
    return tenant.config.timezone if tenant is not None else None


def _page_box(writer: IncrementalPdfFileWriter, page_ix: int) -> tuple[float, ...]:
    page_ref, _resources = writer.find_page_for_modification(page_ix)
    node = page_ref.get_object()
    # /MediaBox may be inherited from a parent node of the page tree.
    while node is not None:
        if "/MediaBox" in node:
            return tuple(float(v) for v in node["/MediaBox"])
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return A4


def _block_box(media_box: tuple[float, ...], slot: int) -> tuple[int, int, int, int]:
    left, bottom, right, _top = media_box
    width = (right - left - 2 * BLOCK_MARGIN_X - (COLUMNS - 1) * BLOCK_GAP) / COLUMNS
    column, row = slot % COLUMNS, slot // COLUMNS
    x1 = left + BLOCK_MARGIN_X + column * (width + BLOCK_GAP)
    y1 = bottom + BLOCK_MARGIN_BOTTOM + row * (BLOCK_HEIGHT + BLOCK_GAP)
    return (round(x1), round(y1), round(x1 + width), round(y1 + BLOCK_HEIGHT))


_STAMP_STYLE = TextStampStyle(
    stamp_text="%(seal_text)s",
    # pyHanko's built-in Courier (a standard PDF font, WinAnsi): its embedded-font engine
    # mis-spaces TrueType fonts whose em is not 1000 units (DejaVu, Liberation).
    text_box_style=TextBoxStyle(font_size=8, leading=11),
    border_width=1,
    background=None,
    inner_content_layout=layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins(left=6, right=6, top=4, bottom=4),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    ),
)


_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u20ac": "EUR",
        # Letters with a stroke do not decompose.
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0131": "i",
    }
)


def _latin1(text: str) -> str:
    """What the Courier block shows right: printable Latin-1 as is (French accents), anything
    else transliterated (« Łukasz » → « Lukasz »); the signature's /Name keeps the exact
    spelling. (pyHanko writes PDFDocEncoding, which matches the font's WinAnsi only there.)"""
    out = []
    for char in text.translate(_PLAIN):
        if char.isspace() and char != "\n":
            char = " "
        elif ord(char) > 0xFF or 0x7F <= ord(char) <= 0xA0:
            decomposed = unicodedata.normalize("NFKD", char)
            char = (
                "".join(
                    c for c in decomposed if 0x20 <= ord(c) < 0x7F and not unicodedata.combining(c)
                )
                or "?"
            )
        out.append(char)
    return "".join(out)


# -- validation ---------------------------------------------------------------------------------


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates a validator trusts: the sealing key's roots, the timestamping
    authority's and any listed in ``PORTAL_SIGNING_TRUST_ROOTS``."""
    roots: dict[bytes, asn1_x509.Certificate] = {}
    for cert in [
        *sealing_identity().roots,
        *timestamp_authority().trust_roots(),
        *extra_trust_roots(),
    ]:
        roots.setdefault(cert.dump(), cert)
    return list(roots.values())


@outside_event_loops
def validate_pdf(pdf: bytes) -> list[SignatureCheck]:
    """Every signature of ``pdf``, checked offline against :func:`trust_roots` (``[]`` for an
    unsigned PDF; ``ValueError`` for bytes that are no PDF)."""
    roots = trust_roots()
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
    except PdfError as exc:
        raise ValueError(f"not a readable PDF: {exc}") from exc
    checks = []
    for embedded in reader.embedded_regular_signatures:
        checks.append(_check(embedded, roots))
    return checks


def _check(embedded, roots) -> SignatureCheck:
    sig_object = embedded.sig_object
    name = _text(sig_object.get("/Name"))
    reason = _text(sig_object.get("/Reason"))
    try:
        certificate_name = embedded.signer_cert.subject.native.get("common_name", "")
    except Exception:  # noqa: BLE001 - a damaged signature still gets a (failed) check
        certificate_name = ""
    try:
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
            ts_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
        )
    except Exception:  # noqa: BLE001 - an unreadable signature is an invalid one
        return SignatureCheck(
            field_name=embedded.field_name,
            signer_name=name or certificate_name,
            intact=False,
            valid=False,
            trusted=False,
            timestamped=False,
            coverage="unknown",
            certificate_name=certificate_name,
            reason=reason,
        )
    ts = status.timestamp_validity
    timestamped = bool(ts is not None and ts.intact and ts.valid and ts.trusted)
    coverage = status.coverage.name.lower() if status.coverage is not None else "unknown"
    return SignatureCheck(
        field_name=embedded.field_name,
        signer_name=name or certificate_name,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        timestamped=timestamped,
        coverage=coverage,
        timestamp_at=ts.timestamp if ts is not None else None,
        certificate_name=certificate_name,
        reason=reason,
    )


def _text(value) -> str | None:
    if value is None:
        return None
    value = value.get_object() if isinstance(value, generic.IndirectObject) else value
    return str(value)
