"""Getting into an account: sign-up (three modes), activation, first password, login check,
forgotten, reset and changed passwords.

Each action runs in the caller's transaction — the view or the back office commits — and records
its audit entry there; emails are queued in the same transaction and leave after the commit.
Answers to anonymous visitors never tell whether an address has an account: the actions that take
an email do their work silently and the views show the same page either way.

Back-office callers (another host, no tenant active or ``unscoped()``) may pass an account of any
tenant: the work runs in that account's tenant scope and links point to its portal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import g, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core import audit
from portal.core.accounts.models import Account, AccountStatus, Profile, TokenPurpose
from portal.core.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.core.accounts.session import LOGIN_STATUSES
from portal.core.accounts.tokens import consume_token, issue_token, peek_token
from portal.core.accounts.validators import normalize_orias, normalize_phone
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.mail import tenant_rendering
from portal.core.mail.jobs import queue_email
from portal.core.tenants import active_tenant_id, tenant_directory, tenant_scope
from portal.core.tenants.config import CurrentTenant
from portal.extensions import db

log = logging.getLogger(__name__)


class AccountDataError(ValueError):
    """Data the caller must correct; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message):
        super().__init__(field)  # the message is lazy: translated where it is shown
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Applicant:
    """What the sign-up form (or the operator's invitation) says about the agency and its holder."""

    email: str
    first_name: str
    last_name: str
    commercial_name: str
    address: str
    postal_code: str
    city: str
    phone: str
    orias: str | None = None
    affiliation: str | None = None
    address2: str | None = None
    mobile: str | None = None
    category: str | None = None  # the messaging category, where the tenant has several


def normalize_email(value: str | None) -> str:
    return (value or "").strip().lower()


def find_account(email: str) -> Account | None:
    """The account of the active tenant whose login is ``email`` (case-insensitive)."""
    return db.session.scalar(
        select(Account).where(func.lower(Account.email) == normalize_email(email))
    )


# --- Sign-up -------------------------------------------------------------------------------------


def sign_up(applicant: Applicant, password: str | None = None) -> Account | None:
    """A visitor's sign-up on the current tenant, as its ``[accounts] signup`` mode says.

    ``self``: the account waits for its activation link (emailed). ``approval``: a request waits
    for an operator (a "request received" email). An address that already has an account gets
    an email saying so (or, not yet activated, a fresh activation link) and None is returned: the
    visitor sees the same answer, so the form never tells who has an account.
    """
    tenant = _tenant_of(active_tenant_id())
    mode = tenant.config.accounts.signup
    if mode == "invite":
        raise PermissionError("this tenant has no self sign-up")
    existing = find_account(applicant.email)
    if existing is not None:
        _answer_signup_of_known_address(existing)
        return None
    status = AccountStatus.PENDING_ACTIVATION if mode == "self" else AccountStatus.PENDING_APPROVAL
    account = _new_account(applicant, status)
    account.password_hash = hash_password(password) if password else None
    account.terms_accepted_at = now()
    db.session.flush()
    _record(account, "account.signup", mode=mode, orias=account.orias)
    if mode == "self":
        _send_activation(account)
    else:
        _mail(
            account,
            "account_signup_received",
            N_("Votre demande d'inscription a bien été reçue"),
            name=account.holder_name,
        )
    return account


def _answer_signup_of_known_address(account: Account) -> None:
    if account.status == AccountStatus.PENDING_ACTIVATION:
        _send_activation(account)  # signed up twice: the first email was probably lost
        return
    if account.status == AccountStatus.INVITED:
        _send_first_password_link(account)  # approved, but the password link was lost
        return
    _mail(
        account,
        "account_signup_existing",
        N_("Une inscription a été tentée avec votre adresse e-mail"),
        name=account.holder_name,
        login_url=_link(account, "auth.login"),
        forgot_url=_link(account, "auth.forgot_password"),
    )


def _new_account(applicant: Applicant, status: AccountStatus) -> Account:
    phone = _phone(applicant.phone, "phone")
    mobile = _phone(applicant.mobile, "mobile") if applicant.mobile else None
    account = Account(
        email=normalize_email(applicant.email),
        status=status,
        first_name=applicant.first_name.strip(),
        last_name=applicant.last_name.strip(),
        commercial_name=applicant.commercial_name.strip(),
        orias=normalize_orias(applicant.orias) or None,
        affiliation=applicant.affiliation or None,
        category=applicant.category,
        address=applicant.address.strip(),
        address2=(applicant.address2 or "").strip() or None,
        postal_code=applicant.postal_code.strip(),
        city=applicant.city.strip(),
        phone=phone,
        mobile=mobile,
        letterhead_lines=[],
    )
    db.session.add(account)
    db.session.add(
        Profile(
            account=account,
            name=account.holder_name,
            email=account.email,
            phone=phone,
            mobile=mobile,
            is_holder=True,
            active=True,
        )
    )
    return account


def _phone(value: str, field: str) -> str:
    e164 = normalize_phone(value)
    if e164 is None:
        raise AccountDataError(field, _l("Ce numéro de téléphone n'est pas valide."))
    return e164


# --- Activation (self sign-up) -------------------------------------------------------------------


def _send_activation(account: Account) -> None:
    hours = _tenant_of(account.tenant_id).config.accounts.activation_link_hours
    raw = issue_token(account, TokenPurpose.ACTIVATION, timedelta(hours=hours))
    _mail(
        account,
        "account_activation",
        N_("Activez votre compte"),
        name=account.holder_name,
        link=_link(account, "auth.activate", token=raw),
        hours=hours,
    )


def activation_account(raw_token: str) -> Account | None:
    """The account a still valid activation link is for (to show the activation button)."""
    token = peek_token(raw_token, TokenPurpose.ACTIVATION)
    if token is None or token.account.status != AccountStatus.PENDING_ACTIVATION:
        return None
    return token.account


def activate(raw_token: str) -> Account | None:
    """Use an activation link once: the account becomes active. None if unknown, used, expired."""
    account = consume_token(raw_token, TokenPurpose.ACTIVATION)
    if account is None or account.status != AccountStatus.PENDING_ACTIVATION:
        return None
    account.status = AccountStatus.ACTIVE
    account.activated_at = now()
    _record(account, "account.activated")
    return account


def resend_activation(email: str) -> None:
    """A new activation link, if ``email`` has an account waiting for one (silent otherwise)."""
    account = find_account(email)
    if account is not None and account.status == AccountStatus.PENDING_ACTIVATION:
        _send_activation(account)


# --- Approval mode -------------------------------------------------------------------------------


def approve_signup(account: Account, staff) -> None:
    """An operator accepts a sign-up request: the holder is emailed a link to create a password.

    Called by the back office (any host, any scope); the caller commits.
    """
    with _scope_of(account):
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise ValueError(f"account {account.id} is not waiting for approval")
        account.status = AccountStatus.INVITED
        _staff_record(account, staff, "account.signup_approved")
        _send_first_password_link(account)
        db.session.flush()


def reject_signup(account: Account, staff, reason: str) -> None:
    """An operator refuses a sign-up request; the requester is told why by email."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountDataError("reason", _l("Indiquez le motif du refus."))
    with _scope_of(account):
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise ValueError(f"account {account.id} is not waiting for approval")
        account.status = AccountStatus.REJECTED
        _staff_record(account, staff, "account.signup_rejected", reason=reason)
        _mail(
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
    commercial_name: str,
    address: str,
    postal_code: str,
    city: str,
    phone: str,
    orias: str | None = None,
    affiliation: str | None = None,
    address2: str | None = None,
    mobile: str | None = None,
    staff,
) -> Account:
    """An operator creates an account in the active tenant's scope; the holder is emailed a link
    to create a first password. ``AccountDataError`` (field ``email``) if the address is taken,
    (``phone``/``mobile``) if a number is not a French one. The caller commits."""
    if active_tenant_id() is None:
        raise RuntimeError("invite_account runs inside the tenant's scope (tenant_scope)")
    _check_invitation(email, postal_code, orias)
    applicant = Applicant(
        email=email,
        first_name=first_name,
        last_name=last_name,
        commercial_name=commercial_name,
        address=address,
        postal_code=postal_code,
        city=city,
        phone=phone,
        orias=orias,
        affiliation=affiliation,
        address2=address2,
        mobile=mobile,
    )
    account = _new_account(applicant, AccountStatus.INVITED)
    db.session.flush()
    _staff_record(account, staff, "account.invited")
    _send_first_password_link(account)
    db.session.flush()
    return account


def _check_invitation(email: str, postal_code: str, orias: str | None) -> None:
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        raise AccountDataError("email", _l("Cette adresse e-mail n'est pas valide.")) from None
    if find_account(email) is not None:
        raise AccountDataError("email", _l("Un compte existe déjà avec cette adresse e-mail."))
    if not re.fullmatch(r"\d{5}", (postal_code or "").strip()):
        raise AccountDataError("postal_code", _l("Le code postal comporte 5 chiffres."))
    if orias and not re.fullmatch(r"\d{8}", normalize_orias(orias)):
        raise AccountDataError(
            "orias", _l("Le numéro ORIAS comporte 8 chiffres (ex. : 12 345 678).")
        )


# --- First password (approval and invite modes) --------------------------------------------------


def _send_first_password_link(account: Account) -> None:
    accounts_config = _tenant_of(account.tenant_id).config.accounts
    hours = accounts_config.activation_link_hours
    raw = issue_token(account, TokenPurpose.SET_PASSWORD, timedelta(hours=hours))
    if accounts_config.signup == "approval":
        template, subject = (
            "account_approved",
            N_("Votre compte est validé : créez votre mot de passe"),
        )
    else:
        template, subject = (
            "account_invited",
            N_("Votre compte est ouvert : créez votre mot de passe"),
        )
    _mail(
        account,
        template,
        subject,
        name=account.holder_name,
        email=account.email,
        link=_link(account, "auth.set_password", token=raw),
        hours=hours,
    )


def send_first_password_link(email: str) -> None:
    """ "Première connexion": a new link to create the password, if ``email`` has an account
    waiting for one; an active account gets a reset link instead. Silent otherwise."""
    account = find_account(email)
    if account is None:
        return
    if account.status == AccountStatus.INVITED:
        _send_first_password_link(account)
    elif account.status in LOGIN_STATUSES:
        _send_reset(account)


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
    _record(account, "account.first_password_set")
    return account


# --- Login ---------------------------------------------------------------------------------------


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
    """The account ``email`` + ``password`` open, or None (unknown address and wrong password
    are indistinguishable, in time too). ``LoginRefused`` if the password is right but the
    account may not log in: only someone who knows the password learns its state."""
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


# --- Forgotten, reset and changed passwords ------------------------------------------------------


def _send_reset(account: Account) -> None:
    hours = _tenant_of(account.tenant_id).config.accounts.reset_link_hours
    raw = issue_token(account, TokenPurpose.RESET_PASSWORD, timedelta(hours=hours))
    _mail(
        account,
        "account_password_reset",
        N_("Réinitialisez votre mot de passe"),
        name=account.holder_name,
        link=_link(account, "auth.reset_password", token=raw),
        hours=hours,
    )


def send_password_reset(email: str) -> None:
    """ "Mot de passe oublié": a reset link for an account that can log in; an account still
    waiting for its activation or first password gets that link instead. Silent otherwise."""
    account = find_account(email)
    if account is None:
        return
    if account.status in LOGIN_STATUSES:
        _send_reset(account)
    elif account.status == AccountStatus.PENDING_ACTIVATION:
        _send_activation(account)
    elif account.status == AccountStatus.INVITED:
        _send_first_password_link(account)


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
    _record(account, action, **details)
    _mail(
        account,
        "account_password_changed",
        N_("Votre mot de passe a été modifié"),
        name=account.holder_name,
        forgot_url=_link(account, "auth.forgot_password"),
    )


# --- Helpers -------------------------------------------------------------------------------------


def _tenant_of(tenant_id: int | None) -> CurrentTenant:
    if tenant_id is None:
        raise RuntimeError("no active tenant")
    if has_request_context() and g.get("tenant") is not None and g.tenant.id == tenant_id:
        return g.tenant
    return tenant_directory().get(tenant_id)


def _on_own_portal(account: Account) -> bool:
    """True in a request on the account's own portal (its host, its visitor's language)."""
    tenant = g.get("tenant") if has_request_context() else None
    return tenant is not None and tenant.id == account.tenant_id


@contextmanager
def _scope_of(account: Account) -> Iterator[None]:
    if active_tenant_id() == account.tenant_id:
        yield
        return
    with tenant_scope(account.tenant_id):
        yield


def _link(account: Account, endpoint: str, **values) -> str:
    """An absolute link to a page of the account's portal, from its host or from elsewhere."""
    if _on_own_portal(account):
        return url_for(endpoint, _external=True, **values)
    with tenant_rendering(_tenant_of(account.tenant_id)):
        return url_for(endpoint, _external=True, **values)


def _mail(account: Account, template: str, subject: str, **context) -> None:
    # From the back office, the email speaks the tenant's default language.
    locale = (
        None if _on_own_portal(account) else _tenant_of(account.tenant_id).config.default_locale
    )
    with _scope_of(account):
        queue_email(template, to=account.email, subject=subject, locale=locale, **context)


def _record(account: Account, action: str, **details) -> None:
    audit.record(
        action,
        **audit.by_account(account),
        target=account,
        **details,
    )


def _staff_record(account: Account, staff, action: str, **details) -> None:
    audit.record(
        action,
        **audit.by_staff(staff, account.tenant_id),
        target=account,
        **details,
    )
