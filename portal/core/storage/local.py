"""Files in a local folder (the default): one file per key, written atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from portal.core.storage.base import InvalidKey, ObjectInfo, Storage, guess_content_type

CHUNK = 1024 * 1024
# Content types live beside the data in a parallel tree; keys can never start with a dot, so this
# folder can never collide with a stored object.
META_DIR = ".meta"


class LocalStorage(Storage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"<LocalStorage {self.root}>"

    def _path(self, key: str, base: Path | None = None) -> Path:
        base = base or self.root
        path = base.joinpath(*key.split("/"))
        # Keys are validated already; this also refuses a symlink planted inside the folder that
        # points outside of it.
        if not Path(os.path.realpath(path)).is_relative_to(self.root):
            raise InvalidKey(f"storage key {key!r} leaves the storage folder")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._path(key, self.root / META_DIR)

    def _put(self, key: str, stream: BinaryIO, content_type: str) -> None:
        path = self._path(key)
        meta = self._meta_path(key)
        # Metadata first: the data file's rename is what makes the object exist.
        _write_atomic(meta, _BytesReader(content_type.encode()))
        _write_atomic(path, stream)

    def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return open(path, "rb")  # noqa: SIM115 - the caller closes it

    def _info(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        size = path.stat().st_size
        try:
            content_type = self._meta_path(key).read_text().strip()
        except FileNotFoundError:  # a file dropped in by hand
            content_type = guess_content_type(key)
        return ObjectInfo(key=key, size=size, content_type=content_type)

    def _delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)


class _BytesReader:
    def __init__(self, data: bytes):
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data


def _write_atomic(path: Path, stream) -> None:
    """Write to a temporary file in the target folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A dot-prefixed name is never a valid key, so a half-written file is never visible.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # persist the rename itself (best effort)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
