"""The address-carrier page (page porte-adresse, manual §8.3): one A4 page with the typed
recipient in the envelope's window, put in front of the documents when the address is typed.

Owner: helper « checks ». API: ``carrier_page(mail) -> bytes`` (a one-page PDF, from the
template ``paper_mail/carrier/page.html``, the address block in ``rules.ADDRESS_BLOCK``);
``carrier_lines(mail) -> list[str]`` (what it prints, top to bottom).
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import unicodedata

from plugins.paper_mail.addresses import normalise_city
from plugins.paper_mail.models import PaperMail
from plugins.paper_mail.rules import ADDRESS_BLOCK, ADDRESS_LINE_MAX

log = logging.getLogger(__name__)

TEMPLATE = "paper_mail/carrier/page.html"
LOCALE = "fr"  # a French postal address, whatever the user's language
FONT = "Liberation Sans"  # the template's first font (Arial's metrics)
FONT_PT = 9.5
MIN_FONT_PT = 7.0
INDENT_MM = 4.0  # the text starts this far inside the address block
# The widest line must end before the window's right edge, with a margin for the fold.
TEXT_WIDTH_MM = ADDRESS_BLOCK.width - INDENT_MM - 3.0
WORST_EM = 0.95  # the widest capital (W) when the font's metrics cannot be read


def _postal(text: str) -> str:
    """One address line as La Poste reads it best (NF Z 10-011): upper case, no accents, no
    punctuation but the hyphen and the apostrophe, single spaces, at most 38 characters."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = "".join(c if c.isalnum() or c in "-'/" else " " for c in plain.upper())
    return " ".join(plain.split())[:ADDRESS_LINE_MAX]


def carrier_lines(mail: PaperMail) -> list[str]:
    """The recipient as printed: name, address lines, « 38000 GRENOBLE »."""
    lines = [_postal(mail.recipient_name)]
    lines += [_postal(line) for line in mail.recipient_lines or [] if line and line.strip()]
    last = f"{mail.recipient_postal_code.strip()} {normalise_city(mail.recipient_city)}"
    lines.append(last.strip()[:ADDRESS_LINE_MAX])
    return [line for line in lines if line]


@functools.cache
def _font_file() -> str | None:
    """The file fontconfig (hence WeasyPrint) picks for :data:`FONT`."""
    program = shutil.which("fc-match")
    if not program:
        return None
    try:
        found = subprocess.run(  # noqa: S603 - fontconfig's own tool on a constant name
            [program, "-f", "%{file}", FONT], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def font_size(lines: list[str]) -> float:
    """The font size in points at which the widest line fits the window: 9.5 pt, smaller for
    long lines of wide capitals, never under 7 pt."""
    if not lines:
        return FONT_PT
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(_font_file() or FONT, 100)
        widest_em = max(font.getlength(line) / 100 for line in lines)
    except (OSError, ValueError):
        log.info("no metrics for %s: the carrier page assumes wide capitals", FONT)
        widest_em = max(len(line) for line in lines) * WORST_EM
    if widest_em <= 0:
        return FONT_PT
    fitting = TEXT_WIDTH_MM * 72 / 25.4 / widest_em
    return max(MIN_FONT_PT, min(FONT_PT, round(fitting - 0.05, 1)))


def _tenant_of(mail: PaperMail):
    """The mail's tenant: the request's when it is the same, else from the directory (a job)."""
    from flask import g, has_request_context

    current = g.get("tenant") if has_request_context() else None
    if current is not None and current.id == mail.tenant_id:
        return current
    from portal.core.tenants.resolver import tenant_directory

    found = tenant_directory().by_id(mail.tenant_id)
    if found is None:
        raise LookupError("the mail's tenant is unknown")
    return found


def carrier_page(mail: PaperMail, *, tenant=None) -> bytes:
    """The one-page PDF put in front of the documents: the typed address in the window, the
    mail's reference at the bottom, nothing else."""
    from portal.core.pdf.render import render_pdf

    lines = carrier_lines(mail)
    return render_pdf(
        TEMPLATE,
        tenant=tenant or _tenant_of(mail),
        locale=LOCALE,
        block=ADDRESS_BLOCK,
        indent=INDENT_MM,
        font=FONT,
        font_size=font_size(lines),
        lines=lines,
        reference=mail.reference,
    )
