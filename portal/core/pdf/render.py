"""HTML templates → PDF with WeasyPrint, with the tenant's letterhead, colours and fonts."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g, has_request_context, render_template
from flask_babel import format_date, get_locale

from portal.core import clock
from portal.core.mail.rendering import tenant_rendering
from portal.core.tenants.config import CurrentTenant

if TYPE_CHECKING:
    from weasyprint import Document

    from portal.core.pdf.fetcher import LocalOnlyFetcher

PDF_STATIC = Path(__file__).parent / "static"


def _tenant(tenant: CurrentTenant | None) -> CurrentTenant:
    if tenant is not None:
        return tenant
    current = g.get("tenant") if has_request_context() else None
    if current is None:
        raise RuntimeError("render_pdf needs a tenant outside of a tenant's request")
    return current


def allowed_folders(tenant: CurrentTenant) -> list[Path]:
    """Folders a PDF may load files from: the core's static files, registered plugin folders
    (``app.extensions["portal.pdf"]``) and the tenant's theme."""
    return [*current_app.extensions["portal.pdf"], tenant.theme_dir]


def pdf_url_fetcher(tenant: CurrentTenant) -> LocalOnlyFetcher:
    from portal.core.pdf.fetcher import LocalOnlyFetcher

    return LocalOnlyFetcher(allowed_folders(tenant))


def long_date(value: date | datetime) -> str:
    """``21 mai 2021`` in the rendering language, ``1er mai 2021`` on the first in French."""
    text = format_date(value, "d MMMM y")
    if value.day == 1 and str(get_locale()).startswith("fr"):
        text = "1er" + text[1:]
    return text


def _context(tenant: CurrentTenant) -> dict:
    brand = tenant.config.brand
    theme_static = tenant.theme_dir / "static"
    fonts_css = tenant.theme_dir / "fonts" / "fonts.css"
    return {
        "tenant": tenant,
        "brand": brand,
        "legal": tenant.config.legal,
        "logo_url": (theme_static / brand.logo).as_uri(),
        "pdf_static": lambda name: (PDF_STATIC / name).as_uri(),
        "theme_static": lambda name: (theme_static / name).as_uri(),
        "theme_fonts_css": fonts_css.as_uri() if fonts_css.is_file() else None,
        "letter_date": clock.today(tenant),
        "long_date": long_date,
    }


def render_pdf_html(
    template: str, *, tenant: CurrentTenant | None = None, locale: str | None = None, **context
) -> str:
    """The HTML a PDF is made from (handy for an on-screen preview)."""
    tenant = _tenant(tenant)
    with tenant_rendering(tenant, locale):
        return render_template(template, **{**_context(tenant), **context})


def render_document(
    template: str,
    *,
    tenant: CurrentTenant | None = None,
    locale: str | None = None,
    url_fetcher: LocalOnlyFetcher | None = None,
    **context,
) -> Document:
    """Lay out ``template`` for ``tenant``: a WeasyPrint document (pages, then ``write_pdf``)."""
    tenant = _tenant(tenant)
    html = render_pdf_html(template, tenant=tenant, locale=locale, **context)
    fetcher = url_fetcher or pdf_url_fetcher(tenant)
    # WeasyPrint is loaded by the first PDF rendered, not by every process that could render one.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # One FontConfiguration per document so a tenant's @font-face never leaks into another's.
    return HTML(string=html, base_url=PDF_STATIC.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=FontConfiguration()
    )


def render_pdf(
    template: str,
    *,
    tenant: CurrentTenant | None = None,
    locale: str | None = None,
    url_fetcher: LocalOnlyFetcher | None = None,
    **context,
) -> bytes:
    """Render ``template`` (e.g. one extending ``pdf/letter.html``) to PDF bytes.

    ``tenant`` defaults to the current request's; ``locale`` to the request's language or, in a
    job, the tenant's default. Only local files of allowed folders and ``data:`` URIs load.
    """
    return render_document(
        template, tenant=tenant, locale=locale, url_fetcher=url_fetcher, **context
    ).write_pdf()
