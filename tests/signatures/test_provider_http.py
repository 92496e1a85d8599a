"""The httpx session of the adapters, against real local HTTP servers: JSON and multipart bodies
arrive intact, errors come back as answers (and become ``ProviderError`` in the adapter with the
status and the start of the body), redirects are not followed (the API key is never resent
elsewhere), a slow server times out, a closed port is an ``OSError``."""

from __future__ import annotations

import email.parser
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.core.signatures.providers.base import ProviderError
from portal.core.signatures.providers.http import HttpResponse, HttpxSession, check
from portal.core.signatures.providers.yousign import YousignProvider


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []
    elsewhere = ""  # where /redirect points

    def log_message(self, *args):
        pass

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        Recorder.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        return body

    def _answer(self, status: int, payload: bytes, media_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        self._record()
        if "/redirect" in self.path:
            self.send_response(302)
            self.send_header("Location", Recorder.elsewhere + "/stolen")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif "/refuse" in self.path:
            refusal = {"detail": "Invalid   \n  field", "x": "y" * 900}
            self._answer(422, json.dumps(refusal).encode())
        elif "/slow" in self.path:
            time.sleep(1.5)
            self._answer(200, b"{}")
        else:
            self._answer(201, json.dumps({"id": "x1"}).encode())


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the timed-out client has gone: no traceback on the test's output


def serve():
    httpd = QuietServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture
def server():
    Recorder.seen = []
    first, url = serve()
    second, Recorder.elsewhere = serve()
    yield url
    for httpd in (first, second):
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def session():
    with HttpxSession() as session:
        yield session


def test_json_body(server, session):
    answer = session.request(
        "POST", server + "/json", headers={"Authorization": "Bearer k"}, json={"name": "Mandat"}
    )
    assert answer.status_code == 201 and answer.json() == {"id": "x1"}
    [seen] = Recorder.seen
    assert json.loads(seen["body"]) == {"name": "Mandat"}
    assert seen["headers"]["Authorization"] == "Bearer k"
    assert seen["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("filename", "arrives_as"),
    [("mandat.pdf", "mandat.pdf"), ('man"dat\r\n.pdf', "man_dat  .pdf")],
)
def test_multipart_body(server, session, filename, arrives_as):
    session.request(
        "POST",
        server + "/files",
        data={"nature": "signable_document"},
        files={"file": (filename, b"%PDF-1.7\x00\xff", "application/pdf")},
    )
    [seen] = Recorder.seen
    raw = b"Content-Type: " + seen["headers"]["Content-Type"].encode() + b"\r\n\r\n" + seen["body"]
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["nature"].get_content() == "signable_document"
    assert parts["file"].get_filename() == arrives_as
    assert parts["file"].get_content_type() == "application/pdf"
    assert parts["file"].get_content() == b"%PDF-1.7\x00\xff"


def test_error_is_an_answer_and_redirect_is_not_followed(server, session):
    assert session.request("POST", server + "/refuse", json={}).status_code == 422
    assert session.request("POST", server + "/redirect", json={}).status_code == 302
    assert [s["path"] for s in Recorder.seen] == ["/refuse", "/redirect"]


def test_check_names_the_status_and_a_short_body(server, session):
    answer = session.request("POST", server + "/refuse", json={})
    with pytest.raises(ProviderError) as error:
        check(answer, "yousign POST /refuse")
    message = str(error.value)
    assert message.startswith('yousign POST /refuse: HTTP 422 {"detail": "Invalid \\n field"')
    assert len(message) < 400
    ok = HttpResponse(201, b"{}")
    assert check(ok, "anything") is ok


def test_slow_server_times_out(server, session):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="timed out"):
        session.request("GET", server + "/slow", timeout=0.3)
    assert time.monotonic() - started < 1.4


def test_closed_port_is_an_oserror(session):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        session.request("GET", f"http://127.0.0.1:{port}/")


def test_only_http_urls(session):
    with pytest.raises(ValueError, match="http"):
        session.request("GET", "file:///etc/passwd")


# -- the Yousign adapter over the real session -----------------------------------------------


def yousign_at(base_url: str) -> YousignProvider:
    return YousignProvider(api_key="secret-key", webhook_secret="s", base_url=base_url)


def test_yousign_calls_go_out_with_the_key(server):
    assert yousign_at(server + "/v3").activate("sr-1") == {}
    [seen] = Recorder.seen
    assert (seen["method"], seen["path"]) == ("POST", "/v3/signature_requests/sr-1/activate")
    assert seen["headers"]["Authorization"] == "Bearer secret-key"


def test_yousign_redirect_is_an_error_and_the_key_stays_home(server):
    with pytest.raises(ProviderError, match="HTTP 302") as error:
        yousign_at(server + "/v3").cancel("redirect")
    assert "secret-key" not in str(error.value)
    assert [s["path"] for s in Recorder.seen] == ["/v3/signature_requests/redirect/cancel"]


def test_yousign_refusal_is_a_provider_error_with_status_and_body(server):
    with pytest.raises(ProviderError, match="HTTP 422 .*Invalid") as error:
        yousign_at(server + "/v3").cancel("refuse")
    assert "secret-key" not in str(error.value)


def test_yousign_unreachable_is_a_provider_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError, match="unreachable"):
        yousign_at(f"http://127.0.0.1:{port}/v3").status("sr-1")
