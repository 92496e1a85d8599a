"""PDF documents from HTML templates (WeasyPrint), in the tenant's colours and letterhead.

``pdf/letter.html`` is the base letter (letterhead, recipient, date line, subject, body, legal
footer) that plugins extend::

    pdf = render_pdf("resiliation/letter.html", letter=letter, recipient=lines, subject=...)

Fonts: DejaVu and Liberation (Debian packages); a tenant may ship ``theme/fonts/fonts.css`` with
``@font-face`` rules (and a ``body { font-family: … }``) next to its font files.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.pdf.render import (
    PDF_STATIC,
    allowed_folders,
    long_date,
    pdf_url_fetcher,
    render_document,
    render_pdf,
    render_pdf_html,
)

__all__ = [
    "LocalOnlyFetcher",
    "RefusedURL",
    "allow_folder",
    "allowed_folders",
    "init_app",
    "long_date",
    "pdf_url_fetcher",
    "render_document",
    "render_pdf",
    "render_pdf_html",
]

TEMPLATES = Path(__file__).parent / "templates"


def __getattr__(name: str):
    # The fetcher subclasses WeasyPrint's: loaded with it, when a PDF is first rendered, so a
    # web process that renders none never carries WeasyPrint (~30 MB).
    if name in ("LocalOnlyFetcher", "RefusedURL"):
        from portal.core.pdf import fetcher

        return getattr(fetcher, name)
    raise AttributeError(name)


def init_app(app: Flask) -> None:
    # Folders every tenant's PDFs may load from; plugins add theirs with allow_folder().
    app.extensions["portal.pdf"] = [PDF_STATIC, Path(app.static_folder)]
    app.template_folders.append(TEMPLATES)


def allow_folder(app: Flask, folder: str | Path) -> None:
    """Let PDFs load files from ``folder`` (a plugin's static images), at start-up."""
    app.extensions["portal.pdf"].append(Path(folder))
