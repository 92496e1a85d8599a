"""Strong identity verification of the account holder (eIDAS): started (and charged through
the ``on_identity_verification_started`` hook), then followed through the provider's session
until it is verified or failed; the holder is emailed the link, then the outcome.
"""

from __future__ import annotations

import logging

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from portal.core import audit
from portal.core.accounts.models import Account, Profile
from portal.core.clock import now
from portal.core.i18n import N_
from portal.core.identity import FINAL, identity_provider
from portal.core.mail.jobs import queue_email
from portal.core.plugins import current_plugins
from portal.core.tenants import active_tenant_id, tenant_directory
from portal.core.tenants.config import CurrentTenant
from portal.core.verification.errors import IdentityStartRefused
from portal.core.verification.models import IdentityVerification, VerificationStatus
from portal.extensions import db

log = logging.getLogger(__name__)


def _locale(tenant: CurrentTenant) -> str:
    """The language of an email: the user's page language in a request, else the tenant's."""
    if has_request_context() and not g.get("backoffice"):
        return str(get_locale())
    return tenant.config.default_locale


def latest_identity_verification(account: Account) -> IdentityVerification | None:
    return db.session.scalar(
        select(IdentityVerification)
        .where(IdentityVerification.account_id == account.id)
        .order_by(IdentityVerification.id.desc())
        .limit(1)
    )


def is_strongly_identified(account: Account) -> bool:
    """The holder passed a strong (eIDAS) identity verification: the account is "identifié"."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    IdentityVerification.account_id == account.id,
                    IdentityVerification.status == VerificationStatus.VERIFIED,
                )
            )
        )
    )


def may_start_identity_verification(account: Account) -> bool:
    """Once verified, never again; while one is under way, not a second one."""
    latest = latest_identity_verification(account)
    return latest is None or latest.status == VerificationStatus.FAILED


def start_identity_verification(
    account: Account, profile: Profile, tenant: CurrentTenant
) -> tuple[IdentityVerification, str]:
    """Record a verification, let the hooks charge it, open the provider's session and email
    the link. Returns the verification and the link.

    Raises :class:`IdentityStartRefused` when a hook refuses — e.g. the credits module with "not
    enough credit": its message is shown to the holder. A refused start leaves nothing behind
    (nothing started, nothing charged); the caller's other writes stay.
    """
    with db.session.begin_nested():
        return _start_identity_verification(account, profile, tenant)


def _start_identity_verification(
    account: Account, profile: Profile, tenant: CurrentTenant
) -> tuple[IdentityVerification, str]:
    # One start at a time per account: two clicks must not charge twice.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    if not may_start_identity_verification(account):
        raise IdentityStartRefused(_("Une vérification d'identité est déjà en cours ou réussie."))
    if not account.mobile:
        raise IdentityStartRefused(
            _("Ajoutez votre téléphone portable à votre compte avant la vérification.")
        )
    provider = identity_provider()
    verification = IdentityVerification(
        account_id=account.id,
        provider=provider.name,
        status=VerificationStatus.STARTED,
        started_at=now(),
    )
    db.session.add(verification)
    db.session.flush()
    try:
        current_plugins().call(
            "on_identity_verification_started",
            tenant=tenant,
            account=account,
            verification=verification,
        )
    except Exception as exc:
        log.info("identity verification start refused by a hook: %r", exc)
        raise IdentityStartRefused(_hook_message(exc)) from exc
    started = provider.start(verification, account)
    verification.provider_ref = started.provider_ref
    audit.record(
        "verification.identity_started",
        target=verification,
        provider=provider.name,
        **audit.by_account(account, profile),
    )
    queue_email(
        "identity_link",
        to=account.email,
        subject=N_("Votre lien de vérification d'identité"),
        locale=_locale(tenant),
        holder_name=account.holder_name,
        link=started.link,
        reference=started.provider_ref[:8],
    )
    return verification, started.link


def _hook_message(exc: Exception) -> str:
    """The refusing hook's own message (it is written for the holder), never database details."""
    message = str(exc).strip()
    if not message or isinstance(exc, SQLAlchemyError):
        return _("La vérification n'a pas pu être démarrée. Réessayez plus tard.")
    return message


def refresh_identity_verification(verification: IdentityVerification) -> bool:
    """Ask the provider where the session stands and record any change (idempotent).

    Returns True when something changed; on a final answer the holder is emailed.
    """
    if verification.status in (VerificationStatus.VERIFIED, VerificationStatus.FAILED):
        return False
    if not verification.provider_ref:
        return False
    answer = identity_provider().status(verification.provider_ref)
    new_status = VerificationStatus(answer.status)
    if new_status == verification.status:
        return False
    verification.status = new_status
    if answer.status in FINAL:
        verification.completed_at = now()
        verification.failure_reason = answer.reason if new_status == "failed" else None
    account = verification.account
    audit.record(
        f"verification.identity_{new_status.value}",
        **audit.by_system(verification.provider, verification.tenant_id),
        target=verification,
        account_id=account.id,
        reason=verification.failure_reason,
    )
    if answer.status in FINAL:
        tenant = tenant_directory().get(verification.tenant_id)
        queue_email(
            "identity_result",
            to=account.email,
            subject=(
                N_("Votre identité est vérifiée")
                if new_status == VerificationStatus.VERIFIED
                else N_("Votre vérification d'identité n'a pas abouti")
            ),
            locale=_locale(tenant),
            holder_name=account.holder_name,
            verified=new_status == VerificationStatus.VERIFIED,
            reason=verification.failure_reason,
        )
    return True


def provider_session_changed(provider_ref: str) -> IdentityVerification | None:
    """What a provider calls (webhook, job) when one of its sessions changed; tenant-scoped."""
    if active_tenant_id() is None:
        raise RuntimeError("provider_session_changed runs in the session's tenant scope")
    verification = db.session.scalar(
        select(IdentityVerification).where(IdentityVerification.provider_ref == provider_ref)
    )
    if verification is not None:
        refresh_identity_verification(verification)
    return verification
