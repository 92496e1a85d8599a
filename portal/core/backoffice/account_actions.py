"""What staff do to professionals' accounts: decide sign-up requests, invite holders.

Back-office views run unscoped; each action enters the account's tenant (so tokens, emails and
every query belong to that tenant) and writes there; the request pipeline commits. A refused
action leaves nothing written. The work itself (statuses, tokens, emails, audit entries) is done
by ``portal.core.accounts.invitations``.
"""

from __future__ import annotations

from portal.core.accounts.invitations import approve_signup, invite_account, reject_signup
from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.validators import AccountDataError
from portal.core.backoffice.models import StaffUser
from portal.core.tenants import tenant_scope
from portal.extensions import db


class NotWaiting(Exception):
    """The request was already decided (by another operator, in another tab)."""


def approve(account: Account, staff: StaffUser) -> None:
    """The holder gets the link to create a password (``approve_signup``)."""
    _decide(account, approve_signup, staff)


def reject(account: Account, staff: StaffUser, reason: str) -> None:
    """The requester is told why (``reject_signup``). ``AccountDataError`` if no reason."""
    _decide(account, reject_signup, staff, reason)


def _decide(account: Account, decision, *args) -> None:
    with tenant_scope(account.tenant_id):
        # Locked (PostgreSQL) and re-read: two operators cannot both decide one request.
        db.session.refresh(account, with_for_update=True)
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise NotWaiting
        try:
            with db.session.begin_nested():
                decision(account, *args)
        except AccountDataError:
            raise
        except ValueError:  # decided meanwhile by someone else
            raise NotWaiting from None


def invite(tenant_id: int, staff: StaffUser, **fields) -> int:
    """Create the invited account in ``tenant_id`` (``invite_account``); returns its id.

    ``AccountDataError`` (with the form field it concerns) when the data is refused, e.g. an
    email that already has an account on that tenant.
    """
    with tenant_scope(tenant_id), db.session.begin_nested():
        account = invite_account(**fields, staff=staff)
        db.session.flush()
        return account.id
