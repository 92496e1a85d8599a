"""Under the content security policy, the pages' scripts still run from their static files and
the browser reports no violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_contact_counter_runs_and_nothing_is_blocked(page, live_server):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server.format(host="resilimo.localhost") + "/contact")
    page.get_by_label("Votre message").fill("Bonjour")
    counter = page.locator(".msg-counter")
    assert counter.is_visible()
    assert "restants" in counter.inner_text()
    assert violations == []
