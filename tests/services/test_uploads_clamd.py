"""The clamd adapter against a real ClamAV daemon (Debian ``clamav-daemon``) started by the test
with a one-line-per-signature database shipped here: no signature is ever downloaded. Without
clamd the tests are skipped, unless ``PORTAL_REQUIRE_SERVERS=1`` (CI) makes that a failure."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import subprocess
import time

import pytest
from uploadkit import image_carrying
from webkit import PDF_BYTES

from portal import create_app
from portal.core.antivirus import ClamdScanner, ScannerUnavailable
from portal.core.antivirus.dev import EICAR
from portal.core.uploads import UploadRefused, read_document

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """A clamd listening on a TCP port and a Unix socket; yields both addresses."""
    if not os.path.exists(CLAMD):
        reason = "clamd is not installed (apt-get install clamav-daemon)"
        if os.environ.get("PORTAL_REQUIRE_SERVERS") == "1":
            pytest.fail(f"{reason} (PORTAL_REQUIRE_SERVERS=1)", pytrace=False)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("clamd")
    signatures = root / "db"
    signatures.mkdir()
    # the whole EICAR file by its hash, and EICAR anywhere inside another file by its bytes
    (signatures / "portal-test.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Portal-Test.EICAR-File\n"  # noqa: S324
    )
    (signatures / "portal-test.ndb").write_text(f"Portal-Test.EICAR-Body:0:*:{EICAR.hex()}\n")
    tcp, unix = free_port(), root / "clamd.sock"
    config = root / "clamd.conf"
    config.write_text(
        f"Foreground yes\nDatabaseDirectory {signatures}\nTCPAddr 127.0.0.1\nTCPSocket {tcp}\n"
        f"LocalSocket {unix}\nLogFile {root / 'clamd.log'}\nPidFile {root / 'clamd.pid'}\n"
    )
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own config
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        scanner = ClamdScanner(f"127.0.0.1:{tcp}", timeout=5)
        deadline = time.monotonic() + 60
        while True:
            try:
                scanner.scan(b"ready?")
                break
            except ScannerUnavailable:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((root / "clamd.log").read_text(), pytrace=False)
                time.sleep(0.2)
        yield {"tcp": f"127.0.0.1:{tcp}", "unix": str(unix)}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_clamd_finds_eicar_alone_and_inside_a_document(clamd, transport):
    scanner = ClamdScanner(clamd[transport], timeout=5)
    assert scanner.scan(EICAR).startswith("Portal-Test.EICAR")
    assert scanner.scan(b"%PDF-1.4\n% " + EICAR + b"\n").startswith("Portal-Test.EICAR-Body")
    assert scanner.scan(PDF_BYTES) is None
    big_clean = b"\0" * (300 * 1024)  # several INSTREAM chunks
    assert scanner.scan(big_clean) is None


def test_an_upload_flagged_by_clamd_is_refused_and_a_clean_one_kept(app_config, clamd):
    scanned = create_app(
        {**app_config, "PORTAL_ANTIVIRUS": "clamd", "PORTAL_CLAMD_ADDRESS": clamd["unix"]}
    )
    with scanned.test_request_context():
        with pytest.raises(UploadRefused) as refused:
            read_document(io.BytesIO(image_carrying(EICAR)), "photo.png")
        assert "contient un virus" in str(refused.value.message)
        assert read_document(io.BytesIO(PDF_BYTES), "scan.pdf").data == PDF_BYTES
