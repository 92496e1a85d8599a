"""Emails to an account holder, and the one-time links they carry (activation, first password,
reset), from the account's own portal or from the back office.

From the back office (another host, no tenant active or ``unscoped()``) an account of any tenant
may be written to: the email is queued in that account's tenant scope, speaks the tenant's
default language, and its links point to the account's portal. Emails are queued in the caller's
transaction and leave after its commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import g, has_request_context, url_for

from portal.core.accounts.models import Account, TokenPurpose
from portal.core.accounts.tokens import issue_token
from portal.core.i18n import N_
from portal.core.mail import tenant_rendering
from portal.core.mail.jobs import queue_email
from portal.core.tenants import active_tenant_id, tenant_directory, tenant_scope
from portal.core.tenants.config import CurrentTenant


def tenant_of(account: Account) -> CurrentTenant:
    """The account's tenant (the request's own when the request is on its portal)."""
    if _on_own_portal(account):
        return g.tenant
    return tenant_directory().get(account.tenant_id)


@contextmanager
def scope_of(account: Account) -> Iterator[None]:
    """The account's tenant scope, entered only when another one (or none) is active."""
    if active_tenant_id() == account.tenant_id:
        yield
        return
    with tenant_scope(account.tenant_id):
        yield


def mail(account: Account, template: str, subject: str, **context) -> None:
    """Queue an email to the account's login address."""
    # From the back office, the email speaks the tenant's default language.
    locale = None if _on_own_portal(account) else tenant_of(account).config.default_locale
    with scope_of(account):
        queue_email(template, to=account.email, subject=subject, locale=locale, **context)


def portal_link(account: Account, endpoint: str, **values) -> str:
    """An absolute link to a page of the account's portal, from its host or from elsewhere."""
    if _on_own_portal(account):
        return url_for(endpoint, _external=True, **values)
    with tenant_rendering(tenant_of(account)):
        return url_for(endpoint, _external=True, **values)


def _on_own_portal(account: Account) -> bool:
    """True in a request on the account's own portal (its host, its visitor's language)."""
    tenant = g.get("tenant") if has_request_context() else None
    return tenant is not None and tenant.id == account.tenant_id


# --- One-time links (a newer link voids the older ones) -------------------------------------------


def _send_link(account, purpose, hours: int, endpoint: str, template: str, subject: str, **extra):
    """Issue a one-time link valid ``hours`` (voiding the older ones) and email it."""
    raw = issue_token(account, purpose, timedelta(hours=hours))
    mail(
        account,
        template,
        subject,
        name=account.holder_name,
        link=portal_link(account, endpoint, token=raw),
        hours=hours,
        **extra,
    )


def send_activation_link(account: Account) -> None:
    """Self sign-up: the link that activates the account."""
    hours = tenant_of(account).config.accounts.activation_link_hours
    _send_link(
        account,
        TokenPurpose.ACTIVATION,
        hours,
        "auth.activate",
        "account_activation",
        N_("Activez votre compte"),
    )


def send_first_password_link(account: Account) -> None:
    """An approved or invited account: the link to create its first password."""
    accounts_config = tenant_of(account).config.accounts
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
    _send_link(
        account,
        TokenPurpose.SET_PASSWORD,
        accounts_config.activation_link_hours,
        "auth.set_password",
        template,
        subject,
        email=account.email,
    )


def send_reset_link(account: Account) -> None:
    """A forgotten password: the link to choose a new one."""
    _send_link(
        account,
        TokenPurpose.RESET_PASSWORD,
        tenant_of(account).config.accounts.reset_link_hours,
        "auth.reset_password",
        "account_password_reset",
        N_("Réinitialisez votre mot de passe"),
    )
