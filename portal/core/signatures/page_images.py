"""The pages of a document to sign, as PNG images the signer reads inline (no PDF viewer, no
script: a phone shows an ``<img>`` everywhere).

A page is drawn by PDFium once per (document version, page) and process: the PNGs are kept in
memory (a bounded, least-recently-used cache keyed by the version's SHA-256), never in storage,
so nothing of a document outlives its purge; a new version (after an earlier signer's seal) gets
its own images. The browser keeps each image for the session (private caching). Page sizes (the
``<img>`` width and height, so the page does not jump while images load) are kept the same way.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from portal.core.storage import storage

# PDFium is not thread-safe: one lock for the whole process, shared with the uploads' previews.
from portal.core.uploads import PDFIUM_LOCK

WIDTH_PX = 1000
MAX_PIXELS = 4_000_000  # a page drawn very tall stays a bounded image
_SIZES_KEPT = 256
_IMAGES_KEPT = 96  # about 10 MB of PNG pages
_sizes: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
_images: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_cache_lock = threading.Lock()


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
    png = _cached(_images, (sha, page))
    if png is None:
        png = _render(storage().read(key), page - 1)
        _keep(_images, (sha, page), png, _IMAGES_KEPT)
    return png


def page_sizes(document) -> list[tuple[int, int]]:
    """``(width, height)`` in pixels of each page's image, in order."""
    key, sha = document_version(document)
    sizes = _cached(_sizes, sha)
    if sizes is None:
        sizes = _measure(storage().read(key))
        _keep(_sizes, sha, sizes, _SIZES_KEPT)
    return sizes


def _cached(cache: OrderedDict, key):
    with _cache_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    return None


def _keep(cache: OrderedDict, key, value, size: int) -> None:
    with _cache_lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)


def _scale(width: float, height: float) -> float:
    return min(WIDTH_PX / width, (MAX_PIXELS / (width * height)) ** 0.5)


def _measure(data: bytes) -> list[tuple[int, int]]:
    import pypdfium2

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
    import pypdfium2

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
