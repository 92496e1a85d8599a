"""What staff do to professionals' accounts: decide sign-up requests, invite holders.

Back-office views run unscoped; each action enters the account's tenant (so tokens, emails and
every query belong to that tenant) and commits there. The work itself (statuses, tokens, emails,
audit entries) is done by ``portal.core.accounts.operations``.
"""

from __future__ import annotations

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.operations import (
    AccountDataError,
    approve_signup,
    invite_account,
    reject_signup,
)
from portal.core.backoffice.models import StaffUser
from portal.core.tenants import tenant_scope
from portal.extensions import db


class NotWaiting(Exception):
    """The request was already decided (by another operator, in another tab)."""


def signup_request(account_id: int) -> Account | None:
    """Any account by id (the caller is unscoped); None if there is no such account."""
    return db.session.get(Account, account_id)


def _ensure_waiting(account: Account) -> None:
    if account.status != AccountStatus.PENDING_APPROVAL:
        raise NotWaiting


def approve(account: Account, staff: StaffUser) -> None:
    """The holder gets the link to create a password (``approve_signup``)."""
    _decide(account, approve_signup, staff)


def reject(account: Account, staff: StaffUser, reason: str) -> None:
    """The requester is told why (``reject_signup``). ``AccountDataError`` if no reason."""
    _decide(account, reject_signup, staff, reason)


def _decide(account: Account, decision, *args) -> None:
    try:
        with tenant_scope(account.tenant_id):
            # Locked (PostgreSQL) and re-read: two operators cannot both decide one request.
            db.session.refresh(account, with_for_update=True)
            _ensure_waiting(account)
            decision(account, *args)
            db.session.commit()
    except AccountDataError:
        db.session.rollback()
        raise
    except (NotWaiting, ValueError):  # decided meanwhile by someone else
        db.session.rollback()
        raise NotWaiting from None


def invite(tenant_id: int, staff: StaffUser, **fields) -> int:
    """Create the invited account in ``tenant_id`` (``invite_account``); returns its id.

    ``AccountDataError`` (with the form field it concerns) when the data is refused, e.g. an
    email that already has an account on that tenant.
    """
    try:
        with tenant_scope(tenant_id):
            account = invite_account(**fields, staff=staff)
            account_id = account.id
            db.session.commit()
    except AccountDataError:
        db.session.rollback()
        raise
    return account_id
