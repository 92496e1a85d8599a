"""Driving pages in tests: a client per host, forms posted with their CSRF token, sessions
opened without the login pages (argon2 and TOTP are slow or need a secret)."""

from __future__ import annotations

import re
import time

from flask.testing import FlaskClient

_CSRF = (
    re.compile(r'name="[^"]*csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'value="([^"]+)"[^>]*name="[^"]*csrf_token"'),
)


class TenantClient(FlaskClient):
    """A test client bound to one host (``<slug>.localhost`` unless a host is given)."""

    host = "localhost"

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().open(*args, **kwargs)


def tenant_client(app, slug_or_host: str) -> TenantClient:
    """A client of ``app`` on ``<slug>.localhost`` (or on the host given, with a dot)."""
    client = TenantClient(app, app.response_class, use_cookies=True)
    client.host = slug_or_host if "." in slug_or_host else f"{slug_or_host}.localhost"
    return client


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of an HTML page (any field ending in ``csrf_token``)."""
    for pattern in _CSRF:
        match = pattern.search(page)
        if match:
            return match.group(1)
    raise AssertionError("no csrf_token in the page")


def post_form(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """Open ``page_url`` (for its CSRF token), then post ``data`` to ``action`` (or the page)."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(action or page_url, data={"csrf_token": token, **data}, **kwargs)


def sign_in(client, account, profile_id: int | None = None, reauth: bool = False):
    """Log ``account`` (an ``AccountRef``) in on ``client``: ``profile_id`` already chosen,
    ``reauth``: the password typed again just now. Returns the client."""
    key = open_account_session(client.application, account.id, account.tenant_id)
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["_user_id"] = f"{account.id}:{account.session_version}"
        session["session_key"] = key
        session["_fresh"] = True
        session["last_seen"] = time.time()
        if profile_id is not None:
            session["profile_id"] = profile_id
        if reauth:
            session["reauth_at"] = time.time()
    return client


def open_account_session(app, account_id: int, tenant_id: int) -> str:
    """The server-side record of a login of the account, as the login page opens it
    (committed); returns the key a session cookie carries as ``session_key``."""
    from portal.core.accounts.session import open_session_record
    from portal.core.tenants import tenant_directory, tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        tenant = tenant_directory().by_id(tenant_id)
        key = open_session_record(account_id, tenant.config.accounts.session_max_hours)
        db.session.commit()
    return key


def logged_in(client_for, account, profile_id: int | None = None, reauth: bool = False):
    """A client on ``account``'s tenant host (``client_for``: the fixture), logged in with
    ``profile_id`` chosen (the holder's by default)."""
    client = client_for(account.slug)
    return sign_in(client, account, profile_id or account.holder_profile_id, reauth)


def sign_in_staff(client, staff):
    """Log the operator ``staff`` in on a back-office client (both login steps done)."""
    from portal.core.backoffice.session import open_staff_record
    from portal.extensions import db

    with client.application.app_context():
        key = open_staff_record(staff.id)
        db.session.commit()
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["staff_session_key"] = key
        session["staff_id"] = staff.id
        session["staff_version"] = staff.session_version
        session["staff_2fa"] = True
        session["staff_seen"] = time.time()
    return client
