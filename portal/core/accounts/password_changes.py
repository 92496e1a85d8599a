"""Forgotten, reset and changed passwords.

A new password ends every other session of the account and the holder is told by email. The
"forgotten password" form answers the same whatever the address.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core import audit
from portal.core.accounts.authentication import find_account
from portal.core.accounts.emails import (
    mail,
    portal_link,
    send_activation_link,
    send_first_password_link,
    send_reset_link,
)
from portal.core.accounts.models import Account, AccountStatus, Profile, TokenPurpose
from portal.core.accounts.passwords import hash_password, verify_password
from portal.core.accounts.session import LOGIN_STATUSES
from portal.core.accounts.tokens import consume_token, peek_token
from portal.core.accounts.validators import AccountDataError
from portal.core.i18n import N_


def send_password_reset(email: str) -> None:
    """ "Mot de passe oublié": a reset link for an account that can log in; an account still
    waiting for its activation or first password gets that link instead. Silent otherwise."""
    account = find_account(email)
    if account is None:
        return
    if account.status in LOGIN_STATUSES:
        send_reset_link(account)
    elif account.status == AccountStatus.PENDING_ACTIVATION:
        send_activation_link(account)
    elif account.status == AccountStatus.INVITED:
        send_first_password_link(account)


def reset_account(raw_token: str) -> Account | None:
    """The account a still valid reset link is for, or None."""
    token = peek_token(raw_token, TokenPurpose.RESET_PASSWORD)
    if token is None or token.account.status not in LOGIN_STATUSES:
        return None
    return token.account


def reset_password(raw_token: str, password: str) -> Account | None:
    """Use a reset link once: new password, every other session logged out, email sent."""
    account = consume_token(raw_token, TokenPurpose.RESET_PASSWORD)
    if account is None or account.status not in LOGIN_STATUSES:
        return None
    _replace_password(account, password, "account.password_reset")
    return account


def change_password(account: Account, current: str, new: str, actor: Profile | None) -> None:
    """The logged-in user changes the password; other sessions are logged out.
    ``AccountDataError`` (field ``current_password``) if the current password is wrong."""
    if not verify_password(account.password_hash, current):
        raise AccountDataError("current_password", _l("Le mot de passe actuel n'est pas le bon."))
    _replace_password(account, new, "account.password_changed", profile=actor and actor.name)


def _replace_password(account: Account, password: str, action: str, **details) -> None:
    account.password_hash = hash_password(password)
    # Sessions carry the version in their id: every session opened before this one ends.
    account.session_version = (account.session_version or 1) + 1
    audit.record(action, **audit.by_account(account), target=account, **details)
    mail(
        account,
        "account_password_changed",
        N_("Votre mot de passe a été modifié"),
        name=account.holder_name,
        forgot_url=portal_link(account, "auth.forgot_password"),
    )
