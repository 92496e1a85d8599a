"""The plugin's script in a real browser (Debian's Chromium through Playwright): the online-service
dialog becomes a modal that Escape closes as « Fermer et rédiger mon message », and the live
counter counts like the server. Skipped without Chromium, like tests/browser."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from smkit import make_member
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "Vignes-Orleans-2024!"


@pytest.fixture
def page(app):
    if not CHROMIUM.exists():
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is absent (PORTAL_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(f"{CHROMIUM} is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
            )
            page = browser.new_page()
            page.set_default_timeout(10_000)
            page.base = f"http://msr.localhost:{server.server_port}"
            yield page
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_dialog_is_a_modal_and_escape_means_write_my_message(page, app, tenant_ids):
    from playwright.sync_api import expect

    make_member(app, tenant_ids, "navigateur@example.fr", password=PASSWORD)
    page.goto(page.base + "/connexion")
    page.fill("input[name='email']", "navigateur@example.fr")
    page.fill("input[name='password']", PASSWORD)
    page.locator("form", has=page.locator("input[name='password']")).locator(
        "button[type='submit']"
    ).click()

    page.goto(page.base + "/secure-messaging/nouveau/theme")
    for label in ("Famille, logement", "Allocations familiales", "Changement de situation"):
        page.get_by_label(label).check()
        page.get_by_role("button", name="Valider").click()

    dialog = page.locator("dialog[data-sm-dialog]")
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.matches(':modal')")
    assert page.evaluate("document.activeElement.textContent.trim()") == (
        "J'utilise le service en ligne"
    )
    assert page.locator("#sm-page[inert]").count() == 0  # showModal makes the page inert

    with page.expect_response(lambda r: r.url.endswith("/nouveau/service/fermer")) as closed:
        page.keyboard.press("Escape")
    assert closed.value.status == 204
    expect(dialog).not_to_be_visible()
    # Focus back on the page: on the message to write.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'body'")

    # Closed for good: the page shown again has no dialog.
    page.reload()
    assert page.locator("dialog").count() == 0

    counter = page.locator("#body-counter")
    page.fill("textarea[name='body']", "Bonjour\nà vous")
    expect(counter).to_have_text("736 caractères restants.")
    page.fill("textarea[name='body']", "x" * 751)
    expect(counter).to_have_text("1 caractère en trop.")
    page.fill("textarea[name='body']", "x" * 749)
    expect(counter).to_have_text("1 caractère restant.")
