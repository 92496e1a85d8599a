"""Browser tests: the real app on a real HTTP server, driven by Debian's Chromium (Playwright).

Playwright's own browsers are never downloaded: the system Chromium is launched by path
(``/usr/bin/chromium``, or ``PORTAL_CHROMIUM``). Without it the tests are skipped, unless
``PORTAL_REQUIRE_BROWSER=1`` (CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.core.i18n_commands import compile_catalogs

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium already sends *.localhost to loopback; pin it to the IPv4 address we listen on.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]


def _unavailable(reason: str):
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PORTAL_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is absent: install Debian's chromium package to run browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session app on 127.0.0.1:<free port>; yields ``http://{host}:<port>`` to format."""
    report = compile_catalogs()
    assert not report.errors, "\n".join(report.errors)
    domain = app.extensions["babel"].instance.__dict__.get("domain_instance")
    if domain is not None:  # catalogs loaded before they were compiled
        domain.cache.clear()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://{{host}}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def browser_account(app):
    """``browser_account(slug, email, password, **fields)`` → the id of an active account of
    Paul Martin's agency, ready to log in."""
    from portal.testing.accounts import create_account

    def make(slug: str, email: str, password: str, **fields) -> int:
        values = {
            "first_name": "Paul",
            "last_name": "Martin",
            "commercial_name": "Agence Martin Assurances",
            "orias": None,
            "address": "8 rue Nationale",
            "postal_code": "69002",
            "city": "Lyon",
            "phone": "+33472000000",
            **fields,
        }
        return create_account(app, slug, email, password=password, **values).id

    return make


# The resiliation kit (a directory insurer, a verified ORIAS certificate) and the paper mail's
# (real PDFs), also when this folder runs alone.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "resiliation"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "paper_mail"))
