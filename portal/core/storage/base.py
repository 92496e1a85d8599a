"""The storage contract: keys, the abstract interface and the per-tenant key helper."""

from __future__ import annotations

import io
import mimetypes
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import BinaryIO

Data = bytes | bytearray | memoryview | BinaryIO

MAX_KEY_LENGTH = 1024
# Printable, no backslash: a key must mean the same on POSIX paths and S3.
_KEY_CHARS = re.compile(r"^[^\x00-\x1f\x7f\\]+$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class InvalidKey(ValueError):
    """A key that could escape its namespace or means different things on different backends."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str


def validate_key(key: str) -> str:
    """Return ``key`` if it is a relative, ``/``-separated path with no ``.``-leading segment.

    Segments starting with a dot are refused: that rules out ``..`` and leaves dot names free for
    the backends' own bookkeeping (temporary files, metadata).
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key {key!r}")
    if not _KEY_CHARS.match(key) or key.startswith("/"):
        raise InvalidKey(f"invalid storage key {key!r}")
    for segment in key.split("/"):
        if not segment or segment.startswith(".") or segment != segment.strip():
            raise InvalidKey(f"invalid storage key {key!r}")
    return key


def tenant_key(tenant_id: int, *parts: str) -> str:
    """``tenants/<id>/<parts…>``: every tenant's files live under their own prefix."""
    if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id <= 0:
        raise InvalidKey(f"invalid tenant id {tenant_id!r}")
    if not parts:
        raise InvalidKey("a tenant key needs at least one part after the tenant")
    return validate_key("/".join(["tenants", str(tenant_id), *parts]))


def guess_content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE


class Storage(ABC):
    """Blob storage addressed by keys. Public methods validate keys, then call the backend.

    Missing keys raise :class:`FileNotFoundError`; ``delete`` of a missing key does nothing.
    """

    def put(self, key: str, data: Data, content_type: str | None = None) -> None:
        """Store ``data`` (bytes or a binary stream read to its end) under ``key``, replacing
        any previous object atomically: readers see the old or the new content, never a mix."""
        validate_key(key)
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = io.BytesIO(bytes(data))
        self._put(key, data, content_type or guess_content_type(key))

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; close it (``with storage().open(k) as f``)."""
        return self._open(validate_key(key))

    def read(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def exists(self, key: str) -> bool:
        try:
            self.info(key)
        except FileNotFoundError:
            return False
        return True

    def info(self, key: str) -> ObjectInfo:
        return self._info(validate_key(key))

    def size(self, key: str) -> int:
        return self.info(key).size

    def content_type(self, key: str) -> str:
        return self.info(key).content_type

    def delete(self, key: str) -> None:
        self._delete(validate_key(key))

    @abstractmethod
    def _put(self, key: str, stream: BinaryIO, content_type: str) -> None: ...

    @abstractmethod
    def _open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def _info(self, key: str) -> ObjectInfo: ...

    @abstractmethod
    def _delete(self, key: str) -> None: ...
