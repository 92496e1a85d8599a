"""Accounts: professionals' accounts (the agency), their profiles, login and sessions.

What plugins use::

    from portal.core.accounts import current_account, current_profile

Who may call a view is declared by the request pipeline (``portal.core.web.pipeline``:
``Access.ACCOUNT``, ``Access.PROFILE``, ``Access.HOLDER``, ``reauth=True``). Every object a
plugin creates records ``managed_by_id = current_profile().id``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask

from portal.core.accounts import search  # noqa: F401 - keeps Account.search_text current
from portal.core.accounts.models import Account, AccountStatus, AccountToken, Profile
from portal.core.accounts.session import (
    current_account,
    current_profile,
    enforce_session_limits,
    login_manager,
)

__all__ = [
    "Account",
    "AccountStatus",
    "AccountToken",
    "Profile",
    "current_account",
    "current_profile",
    "init_app",
]


TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    from portal.core.accounts.account.blueprint import blueprint as account_blueprint
    from portal.core.accounts.auth.blueprint import blueprint as auth_blueprint

    app.template_folders.append(TEMPLATES)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(account_blueprint)
    login_manager.init_app(app)
    # The idle timeout is per tenant (enforced on each request); this only bounds the cookie.
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    app.before_request(enforce_session_limits)
    from portal.core.accounts.account.menu import account_menu
    from portal.core.accounts.kinds import account_area, kind_label

    app.jinja_env.globals.update(
        current_account=current_account,
        current_profile=current_profile,
        account_area=account_area,
        account_kind_label=kind_label,
        account_menu=account_menu,
    )
