"""Helpers of the paper mail tests (each test module imports this kit by name, never copies it):
real PDFs built with WeasyPrint — a letter with its address where the envelope's window is, or
anywhere else; a page with ink in the margin; a « scanned » letter (pages as images, no text
layer) — and a mail made directly in the database with ready documents."""

from __future__ import annotations

import html
import io
import re
import uuid
from datetime import UTC, datetime

import pypdfium2
from PIL import Image

from plugins.paper_mail.models import DocumentStatus, MailState, PaperDocument, PaperMail
from plugins.paper_mail.rules import ADDRESS_BLOCK, Box
from portal.core.accounts.models import Account
from portal.core.credits.ledger import adjust
from portal.core.references import new_reference
from portal.core.storage import storage
from portal.core.storage.base import tenant_key
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import allow_sending

DUPOND = ["SARL DUPOND", "1 RUE DES FLEURS", "38000 GRENOBLE"]


def text(response) -> str:
    """A page's visible text, spaces normalised."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " ")).strip()


def letter_pdf(
    address: list[str] | None = None,
    *,
    pages: int = 1,
    at: Box | None = None,
    margin_ink: bool = False,
    body: str = "Madame, Monsieur, veuillez trouver ci-joint notre courrier.",
) -> bytes:
    """An A4 letter of ``pages`` pages with ``address`` (default :data:`DUPOND`) typeset in the
    box ``at`` (default: the envelope's address block) on its first page; ``margin_ink`` puts a
    black square in the top-left corner, outside the printable area."""
    from weasyprint import HTML

    box = at or ADDRESS_BLOCK
    lines = address if address is not None else DUPOND
    address_html = "<br>".join(html.escape(line) for line in lines)
    ink = (
        '<div style="position:absolute;left:0;top:0;width:4mm;height:4mm;background:#000"></div>'
        if margin_ink
        else ""
    )
    first = (
        f'<div style="position:absolute;left:{box.left + 3}mm;top:{box.top + 2}mm;'
        f'width:{box.width - 6}mm;font:10pt/1.3 sans-serif">{address_html}</div>'
        f'<p style="position:absolute;left:20mm;top:110mm;width:170mm">{html.escape(body)}</p>'
    )
    sheets = [first] + [
        f'<p style="position:absolute;left:20mm;top:30mm">Page {n}</p>' for n in range(2, pages + 1)
    ]
    document = "".join(
        f'<section style="position:relative;width:210mm;height:297mm;page-break-after:always">'
        f"{ink if n == 0 else ''}{content}</section>"
        for n, content in enumerate(sheets)
    )
    css = "@page{size:A4;margin:0} body{margin:0;font-family:sans-serif}"
    page = f"<html><head><style>{css}</style></head><body>{document}</body></html>"
    return HTML(string=page).write_pdf()


def scanned(pdf: bytes, dpi: int = 150) -> bytes:
    """``pdf`` as a scanner gives it back: each page an image, no text layer."""
    document = pypdfium2.PdfDocument(pdf)
    images = [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def png_page(width: int = 1240, height: int = 1754) -> bytes:
    """A plain image (A4 at 150 dpi) with a grey band: an image upload."""
    image = Image.new("RGB", (width, height), "white")
    image.paste((120, 120, 120), (100, 400, width - 100, 500))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_mail(app, account, *, documents: list[bytes] | None = None, **fields) -> int:
    """A draft mail of ``account`` (an ``AccountRef``) created by its holder, with ``documents``
    (PDF bytes, READY, in this order; default: one :func:`letter_pdf`); its id."""
    from portal.core.uploads import pdf_page_count

    with app.app_context(), tenant_scope(account.tenant_id):
        mail = PaperMail(
            reference=new_reference("PAP-", PaperMail.reference),
            account_id=account.id,
            managed_by_id=account.holder_profile_id,
            created_by_id=account.holder_profile_id,
            state=MailState.DRAFT,
            **fields,
        )
        db.session.add(mail)
        db.session.flush()
        for position, content in enumerate(documents if documents is not None else [letter_pdf()]):
            key = tenant_key(account.tenant_id, "paper_mail", mail.reference, f"{position}.pdf")
            storage().put(key, content, "application/pdf")
            db.session.add(
                PaperDocument(
                    mail_id=mail.id,
                    position=position,
                    filename=f"document-{position + 1}.pdf",
                    media_type="application/pdf",
                    size_bytes=len(content),
                    original_key=key,
                    pdf_key=key,
                    status=DocumentStatus.READY,
                    pages=pdf_page_count(content),
                )
            )
        db.session.commit()
        return mail.id


def give_credit(app, account, cents: int) -> None:
    """``account`` may send (SPEC §2: its professional document verified, the platform's mandate
    signed) and has ``cents`` of prepaid credit (the ledger's manual adjustment)."""
    allow_sending(app, account)
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            cents,
            reason="crédit de test",
            idempotency_key=f"test-paper-{account.id}-{uuid.uuid4().hex}",
            actor_label="test",
        )
        db.session.commit()


NOW = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Paris
