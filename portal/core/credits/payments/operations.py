"""Buying credit: open a payment, settle it exactly once, reconcile the forgotten ones."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import audit, clock
from portal.core.credits import ledger
from portal.core.credits.models import BillingDocument, Payment, PaymentStatus
from portal.core.credits.payments.provider import Outcome, get_provider, outcome_from
from portal.core.plugins import PricedItem
from portal.extensions import db

log = logging.getLogger(__name__)

OPEN = (PaymentStatus.CREATED, PaymentStatus.AUTHENTICATING)
RECONCILE_AFTER = timedelta(minutes=10)


class UnknownPayment(LookupError):
    """No payment of this tenant (and account, when given) has this reference."""


def purchase_amounts(tenant) -> list[int]:
    """The amounts (cents incl. VAT) the tenant offers on « Achat de crédits » (``[credits]``)."""
    return list(tenant.config.credits.purchase_amounts)


def start_purchase(account, profile, amount_cents: int, tenant) -> tuple[Payment, str]:
    """Open a payment of ``amount_cents`` incl. VAT, one of the amounts ``tenant`` offers;
    returns it and the bank page's URL."""
    if amount_cents not in purchase_amounts(tenant):
        raise ValueError("amount not offered")
    provider = get_provider()
    payment = Payment(
        account_id=account.id,
        provider=provider.name,
        amount_cents=amount_cents,
        status=PaymentStatus.CREATED,
    )
    db.session.add(payment)
    db.session.flush()
    url = provider.start(payment)
    audit.record(
        "credits.payment_started",
        actor_type="account",
        actor_id=account.id,
        actor_label=profile.name,
        tenant_id=account.tenant_id,
        target=payment,
        amount_cents=payment.amount_cents,
    )
    return payment, url


def find_payment(ref: str, account_id: int | None = None) -> Payment:
    """The tenant's payment with this provider reference (of this account, when given)."""
    query = select(Payment).where(Payment.provider_ref == ref)
    if account_id is not None:
        query = query.where(Payment.account_id == account_id)
    payment = db.session.scalar(query)
    if payment is None:
        raise UnknownPayment(ref)
    return payment


def settle_payment(payment_id: int, outcome: Outcome) -> Payment:
    """Record the bank's outcome once: the first report wins, later ones change nothing.

    The row lock serialises a return and a notification arriving together; the ledger's
    idempotency key (``payment:<id>``) would refuse a second credit anyway.
    """
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is None:
        raise UnknownPayment(payment_id)
    if payment.status not in OPEN:
        return payment
    payment.completed_at = clock.now()
    if outcome.succeeded:
        payment.status = PaymentStatus.SUCCEEDED
        ledger.purchase(payment.account_id, payment.amount_cents, payment=payment)
        _issue_receipt(payment)
    else:
        payment.status = PaymentStatus.DECLINED
        payment.failure_reason = (outcome.reason or str(_l("Paiement refusé.")))[:300]
    audit.record(
        f"credits.payment_{payment.status.value}",
        **audit.by_system(payment.provider, payment.tenant_id),
        target=payment,
        amount_cents=payment.amount_cents,
        reason=payment.failure_reason,
    )
    db.session.flush()
    return payment


def _issue_receipt(payment: Payment) -> bool:
    """The purchase's receipt, when the billing module is there. A failure never takes the
    credit back: the money is in, the receipt is issued again by the reconcile job."""
    try:
        from portal.core.credits.billing.documents import issue_receipt
    except ImportError:
        return False
    try:
        with db.session.begin_nested():
            issue_receipt(payment)
    except Exception:
        log.exception("receipt of payment %s not issued (the reconcile job retries)", payment.id)
        return False
    return True


def issue_missing_receipts() -> int:
    """Receipts of the active tenant's credited payments that have none yet."""
    missing = db.session.scalars(
        select(Payment).where(
            Payment.status == PaymentStatus.SUCCEEDED,
            ~select(BillingDocument.id).where(BillingDocument.payment_id == Payment.id).exists(),
        )
    ).all()
    return sum(_issue_receipt(payment) for payment in missing)


def handle_outcome(outcome: Outcome, account_id: int | None = None) -> Payment:
    """A signed outcome (return or notification) for the active tenant's payment ``outcome.ref``."""
    payment = find_payment(outcome.ref, account_id)
    return settle_payment(payment.id, outcome)


def handle_notification(fields) -> Payment:
    """A server-to-server notification's fields; BadSignature / UnknownPayment when refused."""
    return handle_outcome(outcome_from(fields))


def reconcile_tenant_payments(now: datetime | None = None) -> int:
    """Ask the bank about the active tenant's payments left open too long; settle the final ones."""
    now = now or clock.now()
    provider = get_provider()
    settled = 0
    open_payments = db.session.scalars(select(Payment).where(Payment.status.in_(OPEN))).all()
    for payment in open_payments:
        created = payment.created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        if now - created < RECONCILE_AFTER or payment.provider != provider.name:
            continue
        if not payment.provider_ref:  # the bank never saw it
            payment.status = PaymentStatus.EXPIRED
            continue
        outcome = provider.status(payment.provider_ref)
        if outcome is not None:
            settle_payment(payment.id, outcome)
            settled += 1
    issue_missing_receipts()
    db.session.flush()
    return settled


def shown_with_balance(tenant) -> list[PricedItem]:
    """The tenant's priced items that declare themselves shown with the balance (their tariff,
    and how many of each the balance pays for), from the plugins enabled on it."""
    from portal.core.pricing import price_list

    return [item for item in price_list(tenant).values() if item.shown_with_balance]
