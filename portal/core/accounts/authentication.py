"""The login check: which account an email and a password open, and why one may not log in.

An unknown address and a wrong password are answered alike (in time too); only someone who knows
the password learns the account's state.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.core.accounts.session import LOGIN_STATUSES
from portal.core.accounts.validators import normalize_email
from portal.extensions import db

log = logging.getLogger(__name__)


def find_account(email: str) -> Account | None:
    """The account of the active tenant whose login is ``email`` (case-insensitive)."""
    return db.session.scalar(
        select(Account).where(func.lower(Account.email) == normalize_email(email))
    )


class LoginRefused(Exception):
    """The password was right but the account may not log in (yet); ``message`` says why."""

    def __init__(self, account: Account, message):
        super().__init__(account.status)
        self.account = account
        self.message = message


REFUSALS = {
    AccountStatus.PENDING_ACTIVATION: _l(
        "Votre compte n'est pas encore activé : cliquez sur le lien d'activation que nous vous "
        "avons envoyé par e-mail. Vous pouvez recevoir un nouveau lien ci-dessous."
    ),
    AccountStatus.PENDING_APPROVAL: _l(
        "Votre demande d'inscription est en cours d'examen : vous recevrez un e-mail dès qu'elle "
        "sera validée."
    ),
    AccountStatus.INVITED: _l(
        "Votre compte n'a pas encore de mot de passe : utilisez le lien « Première connexion »."
    ),
    AccountStatus.REJECTED: _l(
        "Votre demande d'inscription n'a pas été acceptée. Pour plus d'informations, "
        "contactez-nous."
    ),
    AccountStatus.CLOSED: _l("Ce compte est fermé."),
}


def authenticate(email: str, password: str) -> Account | None:
    """The account ``email`` + ``password`` open, or None. ``LoginRefused`` if the password is
    right but the account may not log in. A password hashed with outdated settings is rehashed
    (written in the caller's transaction)."""
    account = find_account(email)
    if not verify_password(account.password_hash if account else None, password):
        log.info("login failed for %s", normalize_email(email))
        return None
    if account.status not in LOGIN_STATUSES:
        raise LoginRefused(account, REFUSALS[account.status])
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def check_password(account: Account, password: str) -> bool:
    return verify_password(account.password_hash, password)
