"""Agent pages of the credit purchase and the provider's notification endpoint."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request

from portal.core.accounts.account.views import optional_url
from portal.core.accounts.session import current_account, current_profile
from portal.core.credits import ledger
from portal.core.credits.models import PaymentStatus
from portal.core.credits.payments import operations
from portal.core.credits.payments.forms import BuyCreditForm
from portal.core.credits.payments.provider import BadSignature, get_provider
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


def _balance_context(account) -> dict:
    balance = ledger.balance_cents(account.id)
    items = operations.shown_with_balance(current_tenant())
    return {
        "balance": ledger.euros(balance),
        "affordable": [
            (balance // item.price_cents, item.label) for item in items if item.price_cents > 0
        ],
        "tariffs": [(item.label, ledger.euros(item.price_cents)) for item in items],
        "billing_url": optional_url("credits.billing"),
    }


@handler(Access.PROFILE)
def buy():
    account, tenant = current_account(), current_tenant()
    settings = tenant.config.credits
    form = BuyCreditForm(
        amounts=operations.purchase_amounts(tenant), default=settings.default_amount
    )
    if form.validate_on_submit():
        _, url = operations.start_purchase(account, current_profile(), form.amount.data, tenant)
        return redirect(url)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "credits/payments/buy.html", form=form, **_balance_context(account)
    ), status


@handler(Access.PROFILE)
def payment_return():
    """The customer's browser back from the bank: settle (if still open) and say what happened."""
    account = current_account()
    try:
        outcome = get_provider().handle_return(request)
        payment = operations.handle_outcome(outcome, account_id=account.id)
    except BadSignature:
        abort(400)
    except operations.UnknownPayment:
        abort(404)
    return render_template(
        "credits/payments/result.html",
        payment=payment,
        succeeded=payment.status == PaymentStatus.SUCCEEDED,
        amount=ledger.euros(payment.amount_cents),
        **_balance_context(account),
    )


@handler(Access.ANONYMOUS)
def payment_notification():
    """Server-to-server report of the bank: authenticated by its signature, not by CSRF."""
    try:
        operations.handle_outcome(get_provider().verify_notification(request))
    except BadSignature:
        current_app.logger.warning("payment notification with a bad signature")
        abort(400)
    except operations.UnknownPayment:
        abort(404)
    return "OK", 200, {"Content-Type": "text/plain; charset=utf-8"}
