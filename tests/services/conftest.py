"""Real local servers for the services tests: S3 (moto), SMTP (aiosmtpd), an HTTP SMS gateway."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from webkit import SmtpRecorder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (for "server unreachable" tests)."""
    return free_port()


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """A moto S3 server on 127.0.0.1 (a real HTTP server, not moto's in-process mock)."""
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    # boto3 takes credentials from the standard variables, as in production.
    os.environ["AWS_ACCESS_KEY_ID"] = "portal-test"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "portal-test-secret"  # noqa: S105
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@dataclass
class CapturedRequest:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class HttpCapture:
    url: str
    requests: list[CapturedRequest] = field(default_factory=list)
    status: int = 200
    answer: bytes = b'{"id": "sms-1"}'
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


@pytest.fixture
def http_capture() -> HttpCapture:
    """An HTTP server on 127.0.0.1 that records every request and answers ``capture.status``."""
    capture = HttpCapture(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            capture.requests.append(
                CapturedRequest(
                    self.command, self.path, dict(self.headers), self.rfile.read(length)
                )
            )
            if capture.delay:
                time.sleep(capture.delay)
            self.send_response(capture.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(capture.answer)))
            for name, value in capture.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(capture.answer)

        do_GET = do_POST = _handle  # noqa: N815

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    capture.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield capture
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_server():
    """Start an aiosmtpd server on a free port; ``smtp_server(**smtp_options)`` → (controller,
    recorder)."""
    controllers = []

    def start(**options):
        recorder = SmtpRecorder()
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return controller, recorder

    yield start
    for controller in controllers:
        controller.stop()
