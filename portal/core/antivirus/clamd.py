"""A ClamAV daemon reached over TCP (``host:port``) or a Unix socket (a path), speaking the
``INSTREAM`` command: the file is sent in length-prefixed chunks, never written to a shared disk."""

from __future__ import annotations

import socket
import struct

from portal.core.antivirus.scanner import ScannerUnavailable

CHUNK_BYTES = 64 * 1024


class ClamdScanner:
    def __init__(self, address: str, timeout: float = 30.0):
        self.address = address
        self.timeout = timeout

    def scan(self, data: bytes) -> str | None:
        try:
            reply = self._instream(data)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address}: {exc}") from exc
        # "stream: OK", "stream: <signature> FOUND" or "<reason> ERROR"
        if reply.endswith(" FOUND"):
            return reply.removeprefix("stream:").removesuffix(" FOUND").strip()
        if reply.endswith(": OK"):
            return None
        raise ScannerUnavailable(f"clamd at {self.address}: {reply}")

    def _connect(self) -> socket.socket:
        if self.address.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.address)
            return sock
        host, _, port = self.address.rpartition(":")
        return socket.create_connection((host.strip("[]"), int(port)), timeout=self.timeout)

    def _instream(self, data: bytes) -> str:
        with self._connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK_BYTES):
                chunk = data[start : start + CHUNK_BYTES]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                received = sock.recv(4096)
                if not received:
                    break
                reply += received
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
