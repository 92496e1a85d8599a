"""A visitor signs up (``self`` and ``approval`` modes) and activates the account (``self``).

The answer never tells whether an address already has an account: a known address gets an email
instead of a new account, and the visitor sees the same page, after the same work (the password
is hashed either way), so neither the page nor its timing tells. Each action runs in the
caller's transaction and records its audit entry there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.accounts.authentication import find_account
from portal.core.accounts.emails import (
    mail,
    portal_link,
    send_activation_link,
    send_first_password_link,
)
from portal.core.accounts.kinds import AccountArea, account_area
from portal.core.accounts.models import Account, AccountStatus, Profile, TokenPurpose
from portal.core.accounts.passwords import hash_password
from portal.core.accounts.tokens import consume_token, peek_token
from portal.core.accounts.validators import (
    FRANCE,
    AccountDataError,
    country_choices,
    normalize_email,
    normalize_orias,
    normalize_phone,
    normalize_postal_code,
    normalize_siren,
    postal_code_error,
    siren_error,
)
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.tenants import active_tenant_id, tenant_directory
from portal.extensions import db


@dataclass(frozen=True)
class Applicant:
    """What the sign-up form (or the operator's invitation) says about the account and its
    holder. Which fields count depends on the tenant's kind of accounts
    (``portal.core.accounts.kinds``): a member has no commercial name, ORIAS nor SIREN."""

    email: str
    first_name: str
    last_name: str
    address: str
    postal_code: str
    city: str
    phone: str
    commercial_name: str = ""
    orias: str | None = None
    affiliation: str | None = None
    address2: str | None = None
    mobile: str | None = None
    category: str | None = None  # the messaging category, where the tenant has several
    siren: str | None = None
    country: str = FRANCE  # ISO code; another country only where the tenant allows it


def scope_tenant():
    """The tenant of the request, or of the active tenant scope (an operator's action)."""
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is None and active_tenant_id() is not None:
        tenant = tenant_directory().get(active_tenant_id())
    if tenant is None:
        raise RuntimeError("an account is made in a request or a tenant scope")
    return tenant


def check_applicant(applicant: Applicant, tenant=None) -> None:
    """``AccountDataError`` (on the field concerned) for the first thing the tenant's kind of
    accounts requires and ``applicant`` lacks or gets wrong. The forms check the same rules next
    to their fields; this is the rule for every caller (an operator's invitation too)."""
    tenant = tenant or scope_tenant()
    area = account_area(tenant)
    required = _l("Ce champ est obligatoire.")
    for name in ("first_name", "last_name", "address", "postal_code", "city", "phone"):
        if not (getattr(applicant, name) or "").strip():
            raise AccountDataError(name, required)
    kind = area.kind
    categories = tenant.config.messaging.categories
    for name in ("commercial_name", "siren", "category"):
        if name == "category" and len(categories) < 2:
            continue  # one category: nothing to choose (None stands for it)
        if kind.requires(name) and not (getattr(applicant, name) or "").strip():
            raise AccountDataError(name, required)
    if kind.asks("siren") and applicant.siren:
        message = siren_error(applicant.siren)
        if message is not None:
            raise AccountDataError("siren", message)
    orias = normalize_orias(applicant.orias) if kind.asks("orias") else ""
    if orias and not re.fullmatch(r"\d{8}", orias):
        raise AccountDataError(
            "orias", _l("Le numéro ORIAS comporte 8 chiffres (ex. : 12 345 678).")
        )
    if kind.has_category and applicant.category and applicant.category not in categories:
        raise AccountDataError("category", _l("Choisissez une des catégories proposées."))
    country = applicant.country or FRANCE
    if country != FRANCE:
        if not area.foreign_addresses:
            raise AccountDataError("country", _l("Seules les adresses en France sont acceptées."))
        if country not in dict(country_choices("fr")):
            raise AccountDataError("country", _l("Choisissez un pays de la liste."))
    message = postal_code_error(applicant.postal_code, country)
    if message is not None:
        raise AccountDataError("postal_code", message)


def sign_up(applicant: Applicant, password: str | None = None) -> Account | None:
    """A visitor's sign-up on the current tenant, as its ``[accounts] signup`` mode says.

    ``self``: the account waits for its activation link (emailed). ``approval``: a request waits
    for an operator (a "request received" email). An address that already has an account gets
    an email saying so (or, not yet activated, a fresh activation link) and None is returned: the
    visitor sees the same answer, so the form never tells who has an account. Two sign-ups of
    one address at the same instant make one account; the second gets None.
    """
    mode = scope_tenant().config.accounts.signup
    if mode == "invite":
        raise PermissionError("this tenant has no self sign-up")
    # Hashed whether or not the address has an account: both answers take the same time.
    password_hash = hash_password(password) if password else None
    existing = find_account(applicant.email)
    if existing is not None:
        _answer_signup_of_known_address(existing)
        return None
    status = AccountStatus.PENDING_ACTIVATION if mode == "self" else AccountStatus.PENDING_APPROVAL
    try:
        with db.session.begin_nested():
            account = new_account(applicant, status)
            account.password_hash = password_hash
            account.terms_accepted_at = now()
    except IntegrityError:
        return None  # the same address signed up at the same instant: a known address now
    audit.record(
        "account.signup",
        **audit.by_account(account),
        target=account,
        mode=mode,
        orias=account.orias,
    )
    if mode == "self":
        send_activation_link(account)
    else:
        mail(
            account,
            "account_signup_received",
            N_("Votre demande d'inscription a bien été reçue"),
            name=account.holder_name,
        )
    return account


def _answer_signup_of_known_address(account: Account) -> None:
    if account.status == AccountStatus.PENDING_ACTIVATION:
        send_activation_link(account)  # signed up twice: the first email was probably lost
        return
    if account.status == AccountStatus.INVITED:
        send_first_password_link(account)  # approved, but the password link was lost
        return
    mail(
        account,
        "account_signup_existing",
        N_("Une inscription a été tentée avec votre adresse e-mail"),
        name=account.holder_name,
        login_url=portal_link(account, "auth.login"),
        forgot_url=portal_link(account, "auth.forgot_password"),
    )


def new_account(applicant: Applicant, status: AccountStatus) -> Account:
    """The account and its holder's profile, added to the session (a sign-up, an invitation).

    ``AccountDataError`` on the field concerned if ``applicant`` breaks a rule of the tenant's
    kind of accounts (``check_applicant``), or if a number is not a French one (a foreign one
    written with its +code is accepted where the tenant allows addresses abroad). Fields the
    kind does not have are not kept (a member's commercial name is "").
    """
    tenant = scope_tenant()
    check_applicant(applicant, tenant)
    area = account_area(tenant)
    kind = area.kind
    phone = _phone(applicant.phone, "phone", area)
    mobile = _phone(applicant.mobile, "mobile", area) if applicant.mobile else None
    country = applicant.country or FRANCE
    account = Account(
        email=normalize_email(applicant.email),
        status=status,
        first_name=applicant.first_name.strip(),
        last_name=applicant.last_name.strip(),
        commercial_name=(applicant.commercial_name or "").strip()
        if kind.asks("commercial_name")
        else "",
        orias=(normalize_orias(applicant.orias) or None) if kind.asks("orias") else None,
        siren=(normalize_siren(applicant.siren) or None) if kind.asks("siren") else None,
        affiliation=(applicant.affiliation or None) if kind.asks("affiliation") else None,
        category=applicant.category,
        address=applicant.address.strip(),
        address2=(applicant.address2 or "").strip() or None,
        postal_code=normalize_postal_code(applicant.postal_code, country),
        city=applicant.city.strip(),
        country=country,
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


def _phone(value: str, field: str, area: AccountArea) -> str:
    e164 = normalize_phone(value, international=area.foreign_addresses)
    if e164 is None:
        raise AccountDataError(field, _l("Ce numéro de téléphone n'est pas valide."))
    return e164


# --- Activation (self sign-up) -------------------------------------------------------------------


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
    audit.record("account.activated", **audit.by_account(account), target=account)
    return account


def resend_activation(email: str) -> None:
    """A new activation link, if ``email`` has an account waiting for one (silent otherwise)."""
    account = find_account(email)
    if account is not None and account.status == AccountStatus.PENDING_ACTIVATION:
        send_activation_link(account)
