"""Closing an account: asked by the holder, a grace period to download the history
(``[accounts] closure_grace_days``), then the personal data is deleted for good.

Timeline: ``request_closure`` → status CLOSING and a ``purge_account`` job due at the end of
the grace period (a database row, however far away) → ``purge`` → status CLOSED. The account
row itself stays, wiped, so what plugins recorded about it (letters, invoices) keeps its owner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.core import audit
from portal.core.accounts.account.operations import record
from portal.core.accounts.models import Account, AccountStatus, AccountToken, Profile
from portal.core.accounts.validators import AccountDataError
from portal.core.clock import now
from portal.core.i18n import N_, force_locale, format_date
from portal.core.jobs import job, schedule_at
from portal.core.mail.jobs import queue_email
from portal.core.plugins import current_plugins
from portal.core.storage import storage
from portal.core.tenants import tenant_directory
from portal.core.tenants.config import CurrentTenant
from portal.core.verification.models import (
    IdentityVerification,
    MandateSignatureRequest,
    PlatformMandate,
    ProfessionalDocument,
)
from portal.extensions import db

ERASED = "(supprimé)"


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def grace_end(account: Account, tenant: CurrentTenant) -> datetime | None:
    """When the account's data will be deleted (None if no closure was asked)."""
    if account.closure_requested_at is None:
        return None
    days = tenant.config.accounts.closure_grace_days
    return _aware(account.closure_requested_at) + timedelta(days=days)


def request_closure(account: Account, actor: Profile, tenant: CurrentTenant) -> datetime:
    """Start the grace period; returns the date the data will be deleted. Inside a request."""
    if account.status != AccountStatus.ACTIVE:
        raise AccountDataError("understood", _("La clôture de ce compte est déjà demandée."))
    account.status = AccountStatus.CLOSING
    account.closure_requested_at = now()
    end = grace_end(account, tenant)
    record("account.closure_requested", account, actor, deletion_at=end.isoformat())
    schedule_at(end, purge_account, account.id)
    day = format_date(end, "long")
    queue_email(
        "notification",
        to=account.email,
        subject=N_("Votre demande de clôture de compte"),
        title=_("Votre demande de clôture de compte"),
        paragraphs=[
            _(
                "Nous avons bien reçu la demande de clôture du compte %(name)s.",
                name=account.display_name,
            ),
            _(
                "Jusqu'au %(date)s, vous pouvez encore vous connecter et télécharger "
                "l'historique de votre compte. Passé ce délai, les informations et données de "
                "votre compte seront définitivement supprimées, sans possibilité de "
                "récupération.",
                date=day,
            ),
            *_refund_paragraphs(account, tenant),
        ],
        action_url=url_for("account.export", _external=True),
        action_label=_("Télécharger l'historique de mon compte"),
    )
    return end


def _refund_paragraphs(account: Account, tenant: CurrentTenant) -> list[str]:
    """Where accounts have credit: what is left of it is paid back on request, minus the fee of
    the tenant's price list (``closure_refund_fee``)."""
    from portal.core.accounts.kinds import account_area
    from portal.core.credits.ledger import euros, whole_euros
    from portal.core.credits.refunds import quote

    if not account_area(tenant).credit:
        return []
    figures = quote(account, tenant)
    paragraphs = [
        _(
            "Le crédit restant vous est remboursé sur demande, déduction faite de frais de "
            "%(fee)s HT (%(fee_incl)s TTC) : demandez-le depuis la page de clôture, avec l'IBAN "
            "du compte à créditer.",
            fee=whole_euros(figures.fee_excl_vat),
            fee_incl=whole_euros(figures.fee),
        )
    ]
    if figures.refundable:
        paragraphs.append(
            _(
                "Avec votre crédit actuel (%(balance)s), le remboursement serait de %(net)s.",
                balance=euros(figures.balance),
                net=euros(figures.net),
            )
        )
    return paragraphs


@job(queue="default")
def purge_account(tenant_id: int, account_id: int) -> None:
    """Delete a closing account's personal data once its grace period is over.

    Does nothing for an account already purged, no longer closing (the closure was withdrawn) or
    whose grace period is not over (a later closure request has its own job).
    """
    account = db.session.get(Account, account_id)
    tenant = tenant_directory().get(tenant_id)
    if account is None or account.status != AccountStatus.CLOSING:
        return
    end = grace_end(account, tenant)
    if end is None or end > now() + timedelta(minutes=1):
        return
    address, name = account.email, account.display_name
    purge(account)
    with force_locale(tenant.config.default_locale):
        paragraphs = [
            _(
                "Conformément à votre demande, les informations et données du compte %(name)s "
                "ont été définitivement supprimées.",
                name=name,
            ),
            _("Merci d'avoir utilisé nos services."),
        ]
        title = _("Votre compte a été supprimé")
    queue_email(
        "notification",
        to=address,
        subject=N_("Votre compte a été supprimé"),
        locale=tenant.config.default_locale,
        title=title,
        paragraphs=paragraphs,
    )


def purge(account: Account) -> bool:
    """Delete the account's personal data for good; returns False if it was already done.

    Safe to run twice. Stored files are deleted before the transaction commits: if it then
    fails, the rows still name files that are gone, and the next run simply deletes the rows.
    A refund request of the remaining credit stays (``portal.core.credits.refunds``): one that
    waits keeps the IBAN and the contact address it is to be paid and confirmed to; an executed
    one keeps only its masked IBAN and holder name, as its statement does.
    """
    if account.status == AccountStatus.CLOSED:
        return False
    store = storage()
    documents = db.session.scalars(
        select(ProfessionalDocument).where(ProfessionalDocument.account_id == account.id)
    ).all()
    for document in documents:
        store.delete(document.storage_key)
        db.session.delete(document)
    for model in (AccountToken, IdentityVerification, MandateSignatureRequest, PlatformMandate):
        db.session.execute(delete(model).where(model.account_id == account.id))
    plugins = current_plugins()
    # Plugins erase what they keep about the account.
    plugins.call("on_account_purged", tenant=_tenant_of(account), account=account)
    for profile in account.profiles:
        # Rows stay (letters keep their "géré par"), the person behind them does not.
        profile.name, profile.email = ERASED, ""
        profile.phone = profile.mobile = None
        profile.active = False
    account.email = f"supprime-{account.id}@invalid"  # frees the address, keeps it unique
    account.password_hash = None
    account.session_version += 1  # any session still open ends
    account.first_name = account.last_name = account.commercial_name = ERASED
    account.address = account.postal_code = account.city = account.phone = ""
    account.address2 = account.mobile = account.orias = account.affiliation = None
    account.siren = account.category = None
    account.letterhead_lines = []
    account.status = AccountStatus.CLOSED
    account.closed_at = now()
    audit.record(
        "account.purged",
        **audit.by_system("Suppression à la fin du délai de clôture", account.tenant_id),
        target=account,
        documents_deleted=len(documents),
    )
    return True


def _tenant_of(account: Account) -> CurrentTenant | None:
    return tenant_directory().get(account.tenant_id)
