"""Helpers of the browser tests."""

from __future__ import annotations


def log_in(page, base: str, email: str, password: str) -> None:
    """Log in through the tenant's login page (``base``: the tenant's address)."""
    page.goto(base + "/connexion")
    form = page.locator("form", has=page.locator("input[name='password']"))
    form.locator("input[name='email']").fill(email)
    form.locator("input[name='password']").fill(password)
    # Wait for the answer: its new session cookie must not land after the next page's.
    with page.expect_navigation():
        form.locator("button[type='submit']").click()


WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    """The WCAG 2.1 AA violations axe-core finds on the page (rule id and first targets)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in results.response["violations"]
    ]
