"""Who is logged in: the account (Flask-Login), the chosen profile, idle timeout, renewal.

The session cookie carries ``<account id>:<session version>``; a password change bumps the
version, which logs every other session out. Cookies are per host, and the loader only finds an
account of the request's tenant, so a session never crosses tenants.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus, Profile
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
    account = db.session.get(Account, account_id)  # tenant-scoped: another tenant's id is None
    if account is None or account.session_version != version:
        return None
    return account if account.status in LOGIN_STATUSES else None


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
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    login_user(account)
    session["last_seen"] = time.time()
    if len(active_profiles(account)) == 1:
        session["profile_id"] = active_profiles(account)[0].id


def log_out() -> None:
    lang = session.get("lang")
    logout_user()
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


def enforce_idle_timeout():
    """``before_request``: log out a session left idle longer than the tenant allows."""
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated:
        return None
    now = time.time()
    idle_limit = tenant.config.accounts.idle_timeout_minutes * 60
    if now - session.get("last_seen", now) > idle_limit:
        log_out()
        flash(
            _l("Votre session a expiré après une période d'inactivité. Reconnectez-vous."), "info"
        )
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path))
        return None
    session["last_seen"] = now
    return None
