"""The standard-library HTTP session of the adapters, against a local server: JSON and
multipart bodies arrive intact, errors come back as answers, redirects are not followed."""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal.core.signatures.providers.http import UrllibSession


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            return
        status = 422 if self.path == "/refuse" else 201
        answer = json.dumps({"id": "x1"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def server():
    Recorder.seen = []
    httpd = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_json_body(server):
    answer = UrllibSession().request(
        "POST", server + "/json", headers={"Authorization": "Bearer k"}, json={"name": "Mandat"}
    )
    assert answer.status_code == 201 and answer.json() == {"id": "x1"}
    [seen] = Recorder.seen
    assert json.loads(seen["body"]) == {"name": "Mandat"}
    assert seen["headers"]["Authorization"] == "Bearer k"


@pytest.mark.parametrize(
    ("filename", "arrives_as"),
    [("mandat.pdf", "mandat.pdf"), ('man"dat\r\n.pdf', "man_dat  .pdf")],
)
def test_multipart_body(server, filename, arrives_as):
    UrllibSession().request(
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
    assert parts["file"].get_content() == b"%PDF-1.7\x00\xff"


def test_error_is_an_answer_and_redirect_is_not_followed(server):
    session = UrllibSession()
    assert session.request("POST", server + "/refuse", json={}).status_code == 422
    assert session.request("POST", server + "/redirect", json={}).status_code == 302
    assert [s["path"] for s in Recorder.seen] == ["/refuse", "/redirect"]


def test_only_http_urls():
    with pytest.raises(ValueError, match="http"):
        UrllibSession().request("GET", "file:///etc/passwd")
