"""Excel exports of a list, the same way for every module: an xlsxwriter workbook written to a
temporary file row by row (``constant_memory``: the process does not grow with the rows) where a
cell is only ever what it says (no formula, URL or number read into a string: a name such as
« =HYPERLINK(…) » stays text), then streamed to the browser and deleted."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_SIZE = 64 * 1024


def new_workbook(prefix: str):
    """A workbook on a new temporary file: ``(workbook, path)``; the caller closes the workbook
    and hands ``path`` to :func:`xlsx_response`."""
    import xlsxwriter  # loaded by the export only, not by every web process

    handle, path = tempfile.mkstemp(prefix=f"{prefix}-", suffix=".xlsx")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    return workbook, path


def stream_file(path: str) -> Iterator[bytes]:
    """The file's bytes, :data:`READ_SIZE` at a time; the file is deleted once read (or once the
    response is closed)."""
    try:
        with open(path, "rb") as source:
            while block := source.read(READ_SIZE):
                yield block
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def xlsx_response(path: str, filename: str) -> Response:
    """The written workbook at ``path`` as a download named ``filename``, streamed."""
    response = Response(stream_file(path), mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(os.path.getsize(path))
    response.headers["Cache-Control"] = "no-store"
    return response
