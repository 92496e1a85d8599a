"""What a PDF may load: files inside allowed folders and ``data:`` URIs — never the network.

A template that names a remote URL (a copied ``<img src="https://…">``) must not make the server
fetch it: that would leak data, hang on timeouts and let a template probe internal addresses.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A URL outside what PDFs may load; WeasyPrint logs it and renders without the resource."""


class LocalOnlyFetcher(URLFetcher):
    def __init__(self, allowed_folders: Iterable[str | os.PathLike]):
        # No redirects, no protocols but file/data even if a later WeasyPrint calls super().
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.allowed_folders = [Path(os.path.realpath(p)) for p in allowed_folders]
        self.refused: list[str] = []

    def allows(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return real.is_file() and any(real.is_relative_to(root) for root in self.allowed_folders)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme == "file":
            parts = urlsplit(url)
            path = Path(url2pathname(parts.path))
            if parts.netloc in ("", "localhost") and self.allows(path):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                body = open(path, "rb")  # noqa: SIM115 - WeasyPrint closes the response
                return URLFetcherResponse(
                    path.as_uri(), body=body, headers={"Content-Type": content_type}
                )
        self.refused.append(url)
        log.warning("PDF rendering refused to load %s", url)
        raise RefusedURL(f"PDFs may only load local theme files and data: URIs, not {url}")
