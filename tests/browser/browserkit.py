"""Helpers of the browser tests."""

from __future__ import annotations


def log_in(page, base: str, email: str, password: str) -> None:
    """Log in through the tenant's login page (``base``: the tenant's address)."""
    page.goto(base + "/connexion")
    form = page.locator("form", has=page.locator("input[name='password']"))
    form.locator("input[name='email']").fill(email)
    form.locator("input[name='password']").fill(password)
    form.locator("button[type='submit']").click()
