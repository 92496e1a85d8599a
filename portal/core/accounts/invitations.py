"""Accounts an operator lets in: sign-up requests approved or rejected (``approval`` mode),
holders invited (``invite`` mode), and the first password they then create.

Operators act from the back office (another host, unscoped): each action enters the account's
tenant, runs in the caller's transaction (the caller commits) and records its audit entry there.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from portal.core import audit
from portal.core.accounts.authentication import find_account
from portal.core.accounts.emails import mail, scope_of, send_first_password_link, send_reset_link
from portal.core.accounts.models import Account, AccountStatus, TokenPurpose
from portal.core.accounts.passwords import hash_password
from portal.core.accounts.registration import Applicant, new_account
from portal.core.accounts.session import LOGIN_STATUSES
from portal.core.accounts.tokens import consume_token, peek_token
from portal.core.accounts.validators import AccountDataError
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.tenants import active_tenant_id
from portal.extensions import db

# --- Approval mode -------------------------------------------------------------------------------


def approve_signup(account: Account, staff) -> None:
    """An operator accepts a sign-up request: the holder is emailed a link to create a password."""
    with scope_of(account):
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise ValueError(f"account {account.id} is not waiting for approval")
        account.status = AccountStatus.INVITED
        _staff_record(account, staff, "account.signup_approved")
        send_first_password_link(account)
        db.session.flush()


def reject_signup(account: Account, staff, reason: str) -> None:
    """An operator refuses a sign-up request; the requester is told why by email."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountDataError("reason", _l("Indiquez le motif du refus."))
    with scope_of(account):
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise ValueError(f"account {account.id} is not waiting for approval")
        account.status = AccountStatus.REJECTED
        _staff_record(account, staff, "account.signup_rejected", reason=reason)
        mail(
            account,
            "account_signup_rejected",
            N_("Votre demande d'inscription n'a pas été acceptée"),
            name=account.holder_name,
            reason=reason,
        )
        db.session.flush()


# --- Invite mode ---------------------------------------------------------------------------------


def invite_account(
    *,
    email: str,
    first_name: str,
    last_name: str,
    address: str,
    postal_code: str,
    city: str,
    phone: str,
    commercial_name: str = "",
    orias: str | None = None,
    affiliation: str | None = None,
    address2: str | None = None,
    mobile: str | None = None,
    siren: str | None = None,
    category: str | None = None,
    country: str = "FR",
    staff,
) -> Account:
    """An operator creates an account in the active tenant's scope; the holder is emailed a link
    to create a first password.

    The fields that count follow the tenant's kind of accounts (``portal.core.accounts.kinds``:
    ``account_area(tenant).kind.identity``): an agency's commercial name and SIREN are required,
    a member's category, a sales agent's commercial name and ORIAS are optional; ``country`` is
    another country than FR only where the tenant allows addresses abroad. ``AccountDataError``
    on the field concerned: ``email`` taken or invalid, a required field missing, a SIREN,
    ORIAS, postal code or phone number that is not valid."""
    if active_tenant_id() is None:
        raise RuntimeError("invite_account runs inside the tenant's scope (tenant_scope)")
    _check_email(email)
    applicant = Applicant(
        email=email,
        first_name=first_name,
        last_name=last_name,
        commercial_name=commercial_name or "",
        address=address,
        postal_code=postal_code,
        city=city,
        phone=phone,
        orias=orias,
        affiliation=affiliation,
        address2=address2,
        mobile=mobile,
        siren=siren,
        category=category,
        country=country or "FR",
    )
    account = new_account(applicant, AccountStatus.INVITED)
    db.session.flush()
    _staff_record(account, staff, "account.invited")
    send_first_password_link(account)
    db.session.flush()
    return account


def _check_email(email: str) -> None:
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        raise AccountDataError("email", _l("Cette adresse e-mail n'est pas valide.")) from None
    if find_account(email) is not None:
        raise AccountDataError("email", _l("Un compte existe déjà avec cette adresse e-mail."))


def _staff_record(account: Account, staff, action: str, **details) -> None:
    audit.record(action, **audit.by_staff(staff, account.tenant_id), target=account, **details)


# --- First password ------------------------------------------------------------------------------


def request_first_password_link(email: str) -> None:
    """ "Première connexion": a new link to create the password, if ``email`` has an account
    waiting for one; an active account gets a reset link instead. Silent otherwise."""
    account = find_account(email)
    if account is None:
        return
    if account.status == AccountStatus.INVITED:
        send_first_password_link(account)
    elif account.status in LOGIN_STATUSES:
        send_reset_link(account)


def first_password_account(raw_token: str) -> Account | None:
    """The invited account a still valid first-password link is for, or None."""
    token = peek_token(raw_token, TokenPurpose.SET_PASSWORD)
    if token is None or token.account.status != AccountStatus.INVITED:
        return None
    return token.account


def set_first_password(raw_token: str, password: str, *, accept_terms: bool) -> Account | None:
    """Use a first-password link once: the password is set and the account becomes active."""
    account = consume_token(raw_token, TokenPurpose.SET_PASSWORD)
    if account is None or account.status != AccountStatus.INVITED:
        return None
    account.password_hash = hash_password(password)
    account.status = AccountStatus.ACTIVE
    account.activated_at = now()
    if accept_terms and account.terms_accepted_at is None:
        account.terms_accepted_at = now()
    audit.record("account.first_password_set", **audit.by_account(account), target=account)
    return account
