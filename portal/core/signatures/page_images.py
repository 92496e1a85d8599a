"""The pages of a document to sign, as PNG images the signer reads inline (no PDF viewer, no
script: a phone shows an ``<img>`` everywhere).

A page is drawn by PDFium once per (document version, page): the PNG is kept in the tenant's
storage under the version's SHA-256, so every web process shares it and a new version (after an
earlier signer's seal) gets its own images. Page sizes (for the ``<img>`` width and height, so
the page does not jump while images load) are kept in memory.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import pypdfium2

from portal.core.storage import storage, tenant_key

# PDFium is not thread-safe: one lock for the whole process, shared with the uploads' previews.
from portal.core.uploads import _pdfium as PDFIUM_LOCK

WIDTH_PX = 1000
MAX_PIXELS = 4_000_000  # a page drawn very tall stays a bounded image
_SIZES_KEPT = 256
_sizes: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
_sizes_lock = threading.Lock()


def document_version(document) -> tuple[str, str]:
    """``(storage key, sha256)`` of what the signer reads and signs now: the latest signed
    version once an earlier signer sealed it, else the original."""
    if document.signed_storage_key and document.signed_sha256:
        return document.signed_storage_key, document.signed_sha256
    return document.storage_key, document.sha256


def page_png(document, page: int) -> bytes:
    """Page ``page`` (from 1) of the document's current version as a PNG ``WIDTH_PX`` wide;
    ``IndexError`` past its last page."""
    key, sha = document_version(document)
    if not 1 <= page <= max(document.page_count, 1):
        raise IndexError(page)
    cache_key = tenant_key(document.tenant_id, "signatures", "pages", sha, f"{page}-{WIDTH_PX}.png")
    store = storage()
    try:
        return store.read(cache_key)
    except FileNotFoundError:
        pass
    png = _render(store.read(key), page - 1)
    store.put(cache_key, png, "image/png")
    return png


def page_sizes(document) -> list[tuple[int, int]]:
    """``(width, height)`` in pixels of each page's image, in order."""
    key, sha = document_version(document)
    with _sizes_lock:
        if sha in _sizes:
            _sizes.move_to_end(sha)
            return _sizes[sha]
    sizes = _measure(storage().read(key))
    with _sizes_lock:
        _sizes[sha] = sizes
        while len(_sizes) > _SIZES_KEPT:
            _sizes.popitem(last=False)
    return sizes


def _scale(width: float, height: float) -> float:
    return min(WIDTH_PX / width, (MAX_PIXELS / (width * height)) ** 0.5)


def _measure(data: bytes) -> list[tuple[int, int]]:
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        try:
            sizes = []
            for index in range(len(document)):
                width, height = document.get_page_size(index)
                scale = _scale(width, height)
                sizes.append((round(width * scale), round(height * scale)))
            return sizes
        finally:
            document.close()


def _render(data: bytes, index: int) -> bytes:
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        try:
            if not 0 <= index < len(document):
                raise IndexError(index)
            page = document[index]
            width, height = page.get_size()
            image = page.render(scale=_scale(width, height), may_draw_forms=True).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
