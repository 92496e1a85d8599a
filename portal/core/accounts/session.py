"""Who is logged in: the account (Flask-Login), the chosen profile, session limits, renewal.

The session cookie carries ``<account id>:<session version>`` and the key of the login's
server-side record (``AccountSession``). A password change bumps the version, which logs every
other session out; a logout revokes the record, so a cookie copied before is refused after; the
record ends ``session_max_hours`` after login (a tenant setting) whatever the activity, besides
the idle timeout. Cookies are per host, and the loader only finds an account and a record of the
request's tenant, so a session never crosses tenants.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import and_, exists, false, select

from portal.core.accounts.models import Account, AccountSession, AccountStatus, Profile
from portal.core.accounts.session_records import (
    live,
    mark_seen,
    open_record,
    revoke,
    revoke_key,
)
from portal.extensions import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
login_manager.login_message_category = "info"
# Flask-Login's "strong" protection would log users out whenever their IP changes (mobile).
login_manager.session_protection = "basic"

LOGIN_STATUSES = (AccountStatus.ACTIVE, AccountStatus.CLOSING)


@login_manager.user_loader
def _load_account(user_id: str) -> Account | None:
    if g.get("tenant") is None:
        return None
    try:
        account_id, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    key, profile_id = session.get("session_key"), session.get("profile_id")
    if not key:
        return None
    # One query on every page: the account (tenant-scoped: another tenant's id finds nothing),
    # the live record of this login, and the profile chosen after it.
    found = db.session.execute(
        select(Account, Profile)
        .outerjoin(
            Profile,
            and_(Profile.id == profile_id, Profile.account_id == Account.id, Profile.active)
            if profile_id is not None
            else false(),
        )
        .where(
            Account.id == account_id,
            Account.session_version == version,
            Account.status.in_(LOGIN_STATUSES),
            exists().where(AccountSession.account_id == Account.id, *live(AccountSession, key)),
        )
    ).first()
    if found is None:
        return None
    g.current_profile = found.Profile
    return found.Account


def account_limit_key() -> str:
    """Rate-limit key of checks a session may repeat (passwords typed again): per logged-in
    account, else per client address."""
    from portal.core.ratelimit import client_ip
    from portal.core.tenants import current_tenant

    account = current_account()
    return f"{current_tenant().id}:account:{account.id}" if account is not None else client_ip()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this site (``/…``), else None: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def log_in(account: Account) -> None:
    """Start a fresh session for ``account`` (renewed: nothing from before login survives)."""
    _end_session()
    session.permanent = True
    login_user(account)
    max_hours = g.tenant.config.accounts.session_max_hours
    session["session_key"] = open_session_record(account.id, max_hours)
    session["last_seen"] = time.time()
    if len(active_profiles(account)) == 1:
        session["profile_id"] = active_profiles(account)[0].id


def open_session_record(account_id: int, max_hours: int) -> str:
    """A server-side record of a new login, ending ``max_hours`` later; returns the cookie's
    key."""
    return open_record(AccountSession, timedelta(hours=max_hours), account_id=account_id)


def log_out() -> None:
    """End this session, on the server too: its cookie, even copied, opens nothing any more."""
    logout_user()
    _end_session()


def log_out_everywhere(account: Account) -> None:
    """« Se déconnecter de tous les appareils »: every session of ``account`` ends, this one
    included."""
    revoke(AccountSession, AccountSession.account_id == account.id)
    log_out()


def _end_session() -> None:
    """Revoke the record of this cookie, if any, and clear the cookie but its language."""
    revoke_key(AccountSession, session.get("session_key"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def active_profiles(account: Account) -> list[Profile]:
    return [profile for profile in account.profiles if profile.active]


def current_account() -> Account | None:
    """The logged-in account of this request, or None."""
    # The real object, not Flask-Login's proxy (audit entries record the target's type).
    return current_user._get_current_object() if current_user.is_authenticated else None


def current_profile() -> Profile | None:
    """The profile chosen after login (active, of the current account), or None."""
    account = current_account()
    profile_id = session.get("profile_id")
    if account is None or profile_id is None:
        return None
    if "current_profile" not in g:
        g.current_profile = db.session.scalar(
            select(Profile).where(
                Profile.id == profile_id, Profile.account_id == account.id, Profile.active.is_(True)
            )
        )
    return g.current_profile


def choose_profile(profile: Profile) -> None:
    session["profile_id"] = profile.id
    g.pop("current_profile", None)


def enforce_session_limits():
    """``before_request``: log out a session left idle longer than the tenant allows, or whose
    record has ended (past its lifetime, or logged out from another device)."""
    tenant = g.get("tenant")
    if tenant is None or "session_key" not in session or _is_asset(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return _expired(_l("Votre session a pris fin. Reconnectez-vous."))
    now = time.time()
    idle_limit = tenant.config.accounts.idle_timeout_minutes * 60
    if now - session.get("last_seen", now) > idle_limit:
        return _expired(
            _l("Votre session a expiré après une période d'inactivité. Reconnectez-vous.")
        )
    mark_seen(session, "last_seen", now)
    return None


# The brand's files: fetched beside a page, several at once. Writing the session from them would
# race the page's own answer (a cookie without what the page just stored, e.g. « ?lang= »).
ASSET_ENDPOINTS = frozenset({"static", "core.brand_css", "core.theme_file", "core.favicon"})


def _is_asset(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint in ASSET_ENDPOINTS or endpoint.endswith(".static"))


def _expired(message):
    log_out()
    flash(message, "info")
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path))
    return None
