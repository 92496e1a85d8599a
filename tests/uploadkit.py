"""Files every upload check must refuse, built byte by byte: PDFs whose names hide in compressed
object streams, images declaring more pixels than they carry, images carrying a test virus."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def compressed_pdf(catalog_extra: bytes = b"", *extra_objects: bytes) -> bytes:
    """A one-page PDF 1.5 whose objects all sit in a Flate-compressed object stream behind an
    xref stream, as modern tools write them: a byte search sees none of its names.
    ``extra_objects`` are numbered from 5."""
    objects = [
        b"<</Type/Catalog/Pages 3 0 R" + catalog_extra + b">>",
        b"<</Type/Pages/Kids[4 0 R]/Count 1>>",
        b"<</Type/Page/Parent 3 0 R/MediaBox[0 0 595 842]>>",
        *extra_objects,
    ]
    header, body = b"", b""
    for number, obj in enumerate(objects, start=2):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    packed = zlib.compress(header + body)
    out = b"%PDF-1.5\n"
    object_stream_at = len(out)
    out += (
        b"1 0 obj<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n"
        % (len(objects), len(header), len(packed))
        + packed
        + b"\nendstream endobj\n"
    )
    xref_at = len(out)
    rows = [struct.pack(">BLH", 0, 0, 65535), struct.pack(">BLH", 1, object_stream_at, 0)]
    rows += [struct.pack(">BLH", 2, 1, index) for index in range(len(objects))]
    rows.append(struct.pack(">BLH", 1, xref_at, 0))
    xref = b"".join(rows)
    number = len(objects) + 2
    return (
        out
        + b"%d 0 obj<</Type/XRef/Size %d/W[1 4 2]/Root 2 0 R/Length %d>>stream\n"
        % (number, number + 1, len(xref))
        + xref
        + b"\nendstream endobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))
        )

    header = struct.pack(">LLBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def image_carrying(text: bytes) -> bytes:
    """A valid PNG with ``text`` in a comment chunk."""
    from PIL.PngImagePlugin import PngInfo

    info, out = PngInfo(), io.BytesIO()
    info.add_text("Comment", text.decode("latin-1"))
    Image.new("RGB", (4, 4)).save(out, "PNG", pnginfo=info)
    return out.getvalue()
