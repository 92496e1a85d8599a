"""One contract, two backends: a local folder and a real S3 server (moto on 127.0.0.1)."""

from __future__ import annotations

import io
import os
import uuid

import pytest

from portal import create_app
from portal.core.storage import (
    InvalidKey,
    LocalStorage,
    S3Storage,
    send_stored_file,
    storage,
    tenant_key,
)
from portal.core.tenants import current_tenant

BACKENDS = ["local", "s3"]


def _bucket() -> str:
    return f"portal-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def s3_client(s3_endpoint):
    # One boto3 client for the module: creating one costs more than the tests themselves.
    return S3Storage("unused", endpoint_url=s3_endpoint, region="eu-west-3").client


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    s3_client = request.getfixturevalue("s3_client")
    s3 = S3Storage(_bucket(), region="eu-west-3", client=s3_client)
    s3.ensure_bucket()  # a fresh bucket per test
    return s3


# --- The contract ---------------------------------------------------------------------------


def test_put_bytes_then_read_back(store):
    store.put("tenants/1/letters/a.pdf", b"%PDF-1.7 hello", "application/pdf")
    assert store.exists("tenants/1/letters/a.pdf")
    assert store.read("tenants/1/letters/a.pdf") == b"%PDF-1.7 hello"
    assert store.size("tenants/1/letters/a.pdf") == 14
    info = store.info("tenants/1/letters/a.pdf")
    assert (info.key, info.size, info.content_type) == (
        "tenants/1/letters/a.pdf",
        14,
        "application/pdf",
    )
    with store.open("tenants/1/letters/a.pdf") as stream:
        assert stream.read(4) == b"%PDF"
        assert stream.read() == b"-1.7 hello"


def test_put_a_large_stream(store):
    # Larger than boto3's multipart threshold (8 MiB): S3 stores it as a multipart upload.
    payload = os.urandom(1024) * (9 * 1024)
    store.put("big/blob.bin", io.BytesIO(payload))
    assert store.size("big/blob.bin") == len(payload)
    assert store.read("big/blob.bin") == payload


def test_overwrite_replaces_content_and_type(store):
    store.put("doc", b"first", "text/plain")
    store.put("doc", b"second version", "application/json")
    assert store.read("doc") == b"second version"
    assert store.content_type("doc") == "application/json"


def test_content_type_is_guessed_from_the_key_when_not_given(store):
    store.put("a/scan.pdf", b"x")
    store.put("a/blob", b"x")
    assert store.content_type("a/scan.pdf") == "application/pdf"
    assert store.content_type("a/blob") == "application/octet-stream"


def test_missing_keys(store):
    assert not store.exists("nope/x")
    for call in (store.read, store.open, store.size, store.info):
        with pytest.raises(FileNotFoundError):
            call("nope/x")
    store.delete("nope/x")  # deleting what is not there is not an error


def test_delete(store):
    store.put("x/y.txt", b"bye")
    store.delete("x/y.txt")
    assert not store.exists("x/y.txt")
    with pytest.raises(FileNotFoundError):
        store.read("x/y.txt")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../x",
        "a/../../b",
        "a//b",
        "a/./b",
        ".hidden",
        "a/.meta/b",
        "a\\b",
        "a\x00b",
        "a/ b",
        "a\nb",
    ],
)
def test_keys_that_could_escape_are_refused(store, key):
    with pytest.raises(InvalidKey):
        store.put(key, b"x")
    for call in (store.read, store.exists, store.delete, store.size):
        with pytest.raises(InvalidKey):
            call(key)


def test_tenant_keys_keep_tenants_apart(store):
    a, b = tenant_key(1, "letters", "1.pdf"), tenant_key(2, "letters", "1.pdf")
    assert (a, b) == ("tenants/1/letters/1.pdf", "tenants/2/letters/1.pdf")
    store.put(a, b"tenant one")
    store.put(b, b"tenant two")
    assert store.read(a) == b"tenant one"
    assert store.read(b) == b"tenant two"


@pytest.mark.parametrize(
    "args", [(0, "x"), (-1, "x"), ("1", "x"), (True, "x"), (1,), (1, "../2/x"), (1, "a", "")]
)
def test_tenant_key_refuses_bad_parts(args):
    with pytest.raises(InvalidKey):
        tenant_key(*args)


# --- Local folder specifics -----------------------------------------------------------------


def test_local_refuses_a_symlink_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    store = LocalStorage(tmp_path / "files")
    (store.root / "tenants").mkdir()
    (store.root / "tenants" / "1").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.read("tenants/1/secret.txt")
    with pytest.raises(InvalidKey):
        store.put("tenants/1/planted.txt", b"x")
    assert not (outside / "planted.txt").exists()


class _Exploding(io.RawIOBase):
    """A stream that fails half-way, like an upload cut off."""

    def __init__(self):
        self.calls = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("client went away")
        buffer[:4] = b"new!"
        return 4


def test_local_write_is_atomic(tmp_path):
    store = LocalStorage(tmp_path / "files")
    store.put("tenants/1/doc.txt", b"old content", "text/plain")
    with pytest.raises(ConnectionResetError):
        store.put("tenants/1/doc.txt", _Exploding())
    assert store.read("tenants/1/doc.txt") == b"old content"
    leftovers = [p.name for p in store.root.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


# --- Wiring: config chooses the backend, downloads go through the app -----------------------


def test_default_config_is_the_local_folder(app, app_config):
    with app.app_context():
        assert isinstance(storage(), LocalStorage)
        assert str(storage().root) == os.path.realpath(app_config["PORTAL_STORAGE_PATH"])


def test_unknown_backend_is_refused_at_start_up(app_config):
    with pytest.raises(ValueError, match="PORTAL_STORAGE"):
        create_app({**app_config, "PORTAL_STORAGE": "ftp"})
    with pytest.raises(ValueError, match="PORTAL_S3_BUCKET"):
        create_app({**app_config, "PORTAL_STORAGE": "s3", "PORTAL_S3_BUCKET": None})


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_send_stored_file_streams_through_the_app(app, app_config, backend_name, tmp_path, request):
    config = {**app_config, "PORTAL_STORAGE_PATH": str(tmp_path / "files")}
    if backend_name == "s3":
        config.update(
            PORTAL_STORAGE="s3",
            PORTAL_S3_BUCKET=_bucket(),
            PORTAL_S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"),
        )
    download_app = create_app(config)

    @download_app.route("/test-download/<path:name>")
    def download(name):
        return send_stored_file(tenant_key(current_tenant().id, name), "Lettre résiliation.pdf")

    with download_app.app_context():
        store = storage()
        assert type(store).__name__ == {"local": "LocalStorage", "s3": "S3Storage"}[backend_name]
        if backend_name == "s3":
            store.ensure_bucket()
        tenant_id = download_app.extensions["portal.tenants"].by_slug("resilimo").id
        store.put(tenant_key(tenant_id, "letters", "1.pdf"), b"%PDF-1.7 letter", "application/pdf")

    client = download_app.test_client()
    response = client.get("/test-download/letters/1.pdf", base_url="http://resilimo.localhost")
    assert response.status_code == 200
    assert response.data == b"%PDF-1.7 letter"
    assert response.mimetype == "application/pdf"
    assert response.content_length == 15
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Lettre%20r%C3%A9siliation.pdf" in disposition
    # The same name on another tenant's host is that tenant's (absent) file.
    other = client.get("/test-download/letters/1.pdf", base_url="http://msr.localhost")
    assert other.status_code == 404
