"""Read-only queries across tenants (callers run them inside ``unscoped()``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.search import fold
from portal.core.accounts.validators import normalize_orias
from portal.core.audit import AuditEntry
from portal.core.backoffice.models import MandateRecord
from portal.core.tenants import Tenant
from portal.core.verification.models import (
    DocumentStatus,
    PlatformMandate,
    ProfessionalDocument,
)
from portal.extensions import db

ACCOUNTS_PER_PAGE = 25
AUDIT_PER_PAGE = 50
PARIS = ZoneInfo("Europe/Paris")


def all_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def tenant_names() -> dict[int, str]:
    return {tenant.id: tenant.slug for tenant in all_tenants()}


def tenant_kinds() -> dict[int, object]:
    """The kind of accounts of each tenant (``portal.core.accounts.kinds``), by tenant id."""
    from portal.core.accounts.kinds import account_area
    from portal.core.tenants import tenant_directory

    directory = tenant_directory()
    kinds = {}
    for tenant in all_tenants():
        parsed = directory.get(tenant.id, tenant.revision)
        if parsed is not None:
            kinds[tenant.id] = account_area(parsed).kind
    return kinds


def account_search(
    text: str = "", tenant_id: int | None = None, status: str | None = None
) -> Select:
    """Accounts whose email, holder name, commercial name or ORIAS number contains ``text``,
    accents and case aside."""
    query = select(Account).order_by(Account.created_at.desc(), Account.id.desc())
    text = (text or "").strip()
    if text:
        matches = [Account.search_text.contains(fold(text), autoescape=True)]
        orias = normalize_orias(text)
        if orias.isdigit():
            matches.append(Account.orias.contains(orias, autoescape=True))
        query = query.where(or_(*matches))
    if tenant_id:
        query = query.where(Account.tenant_id == tenant_id)
    if status:
        query = query.where(Account.status == status)
    return query


def signup_requests(tenant_id: int | None = None) -> list[Account]:
    """Sign-up requests waiting for an operator, oldest first."""
    query = (
        select(Account)
        .where(Account.status == AccountStatus.PENDING_APPROVAL)
        .order_by(Account.created_at, Account.id)
    )
    if tenant_id:
        query = query.where(Account.tenant_id == tenant_id)
    return list(db.session.scalars(query))


def waiting_signup_count() -> int:
    return db.session.scalar(
        select(func.count(Account.id)).where(Account.status == AccountStatus.PENDING_APPROVAL)
    )


def documents_to_review_count() -> int:
    return db.session.scalar(
        select(func.count(ProfessionalDocument.id)).where(
            ProfessionalDocument.status == DocumentStatus.PENDING
        )
    )


def conversations_to_handle_count() -> int:
    """Conversations of every tenant waiting for an operator's answer."""
    from portal.core.messaging.models import Conversation, ConversationState

    return db.session.scalar(
        select(func.count(Conversation.id)).where(Conversation.state == ConversationState.OPEN)
    )


def refunds_to_make_count() -> int | None:
    """Closure refunds the holders asked for and no operator made yet; None without them."""
    try:
        from portal.core.credits.models import RefundRequest, RefundStatus
    except ImportError:  # pragma: no cover - a credits module without closure refunds
        return None
    return db.session.scalar(
        select(func.count(RefundRequest.id)).where(RefundRequest.status == RefundStatus.REQUESTED)
    )


def account_audit(account: Account, limit: int = 100) -> list[AuditEntry]:
    """What happened to the account, its profiles and its documents, and what its users did,
    newest first."""
    profile_ids = [profile.id for profile in account.profiles]
    document_ids = list(
        db.session.scalars(
            select(ProfessionalDocument.id).where(ProfessionalDocument.account_id == account.id)
        )
    )
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                or_(
                    and_(AuditEntry.target_type == "Account", AuditEntry.target_id == account.id),
                    and_(AuditEntry.actor_type == "account", AuditEntry.actor_id == account.id),
                    and_(
                        AuditEntry.target_type == "Profile",
                        AuditEntry.target_id.in_(profile_ids or [0]),
                    ),
                    and_(
                        AuditEntry.target_type == "ProfessionalDocument",
                        AuditEntry.target_id.in_(document_ids or [0]),
                    ),
                ),
                AuditEntry.tenant_id == account.tenant_id,
            )
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def account_documents(account: Account) -> list[ProfessionalDocument]:
    return list(
        db.session.scalars(
            select(ProfessionalDocument)
            .where(ProfessionalDocument.account_id == account.id)
            .order_by(ProfessionalDocument.created_at.desc())
        )
    )


def mandate_records(account: Account) -> list[MandateRecord]:
    """The operators' notes on the account's mandate, newest first."""
    return list(
        db.session.scalars(
            select(MandateRecord)
            .where(MandateRecord.account_id == account.id)
            .order_by(MandateRecord.occurred_on.desc(), MandateRecord.id.desc())
        )
    )


def ledger_entries(account: Account, limit: int = 10) -> list:
    """The account's last credit movements, newest first."""
    from portal.core.credits.models import LedgerEntry

    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
            .limit(limit)
        )
    )


def account_mandate(account: Account) -> PlatformMandate | None:
    return db.session.scalar(
        select(PlatformMandate).where(PlatformMandate.account_id == account.id)
    )


def _day_start(day: date) -> datetime:
    """Midnight in Paris (operators think in Paris days), as a UTC moment."""
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def audit_log(
    tenant: str | None = None,
    action: str = "",
    actor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Audit entries, newest first. ``tenant``: a tenant id, ``"none"`` (platform) or None."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if tenant == "none":
        query = query.where(AuditEntry.tenant_id.is_(None))
    elif tenant:
        query = query.where(AuditEntry.tenant_id == int(tenant))
    if action:
        query = query.where(AuditEntry.action.icontains(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor_label.icontains(actor, autoescape=True))
    if date_from:
        query = query.where(AuditEntry.created_at >= _day_start(date_from))
    if date_to:
        query = query.where(AuditEntry.created_at < _day_start(date_to + timedelta(days=1)))
    return query


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by("action")))
