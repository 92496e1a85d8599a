"""Serving a stored file through the application (no public or pre-signed URL)."""

from __future__ import annotations

from flask import Response, abort, send_file

from portal.core.storage.base import validate_key


def send_stored_file(
    key: str,
    download_name: str | None = None,
    *,
    as_attachment: bool = True,
    mimetype: str | None = None,
    max_age: int = 0,
) -> Response:
    """Stream ``key`` to the client. The caller has already checked the user may see it.

    Files are downloaded as attachments by default so an uploaded HTML or SVG never runs in the
    portal's origin. A missing key answers 404.
    """
    from portal.core.storage import storage

    validate_key(key)
    store = storage()
    try:
        info = store.info(key)
        stream = store.open(key)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        stream,
        mimetype=mimetype or info.content_type,
        as_attachment=as_attachment,
        download_name=download_name or key.rsplit("/", 1)[-1],
        conditional=False,
        etag=False,
        max_age=max_age,
    )
    response.content_length = info.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
