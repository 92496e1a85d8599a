"""Security headers on every response (Flask-Talisman).

The content security policy runs no inline script and no script from elsewhere: pages load their
scripts from static files. Inline styles stay allowed (several module templates carry a ``<style>``
block, and the development mailbox shows emails' own styles); scripts are what the policy stops.
No page may be framed (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), so a one-click
form of the back office cannot be clicked through another site. HSTS is sent when the portal runs
over HTTPS (``PORTAL_SECURE_COOKIES=1``); TLS itself ends at the proxy, so nothing is redirected.

A PDF shown in the browser keeps only the framing rule: Chrome displays it through an ``<embed>``
that the PDF's own policy governs, and ``object-src 'none'`` would block it (crbug.com/271452).
"""

from __future__ import annotations

from flask import Flask, g
from flask_talisman import DENY, Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}

PDF_POLICY = "frame-ancestors 'none'"


def _pdf_policy(response):
    if response.mimetype == "application/pdf":
        response.headers["Content-Security-Policy"] = PDF_POLICY
    return response


def send_no_referrer() -> None:
    """This request's page carries a secret in its URL (an emailed link's token): no referrer
    may leave it, whatever link or image the page holds. Call it before the response is made."""
    g.referrer_policy = "no-referrer"


def _own_referrer_policy(response):
    policy = g.get("referrer_policy")
    if policy:
        response.headers["Referrer-Policy"] = policy
    return response


def init_app(app: Flask) -> None:
    secure = app.config["SESSION_COOKIE_SECURE"]
    # Registered before Talisman's after_request, so they run after it and have the last word.
    app.after_request(_pdf_policy)
    app.after_request(_own_referrer_policy)
    Talisman(
        app,
        force_https=False,
        frame_options=DENY,
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        strict_transport_security=secure,
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=secure,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
