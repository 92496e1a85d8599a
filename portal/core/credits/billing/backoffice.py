"""Back-office credit pages: balances by account, an operator's adjustment; the closure refunds
(:mod:`portal.core.backoffice.views.refunds`).

Staff pages across tenants; each action enters the account's tenant.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.accounts.models import Account
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.backoffice.views import refunds as refund_views
from portal.core.credits.billing import operations
from portal.core.credits.billing.forms import AdjustCreditForm
from portal.core.credits.ledger import euros
from portal.core.credits.models import CreditBalance
from portal.core.plugins import hookimpl
from portal.core.tenants import Tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PAGE_SIZE = 50


ONE_ACCOUNT = {"account_id": Account}


def _balance(account: Account) -> int:
    value = db.session.scalar(
        select(CreditBalance.balance_cents).where(CreditBalance.account_id == account.id)
    )
    return value or 0


@handler(Access.STAFF)
def accounts():
    """Accounts and their credit, searchable by email."""
    query = (request.args.get("q") or "").strip()
    statement = (
        select(Account, CreditBalance.balance_cents, Tenant.name)
        .outerjoin(CreditBalance, CreditBalance.account_id == Account.id)
        .join(Tenant, Tenant.id == Account.tenant_id)
        .order_by(Account.email, Account.id)
        .limit(PAGE_SIZE)
    )
    if query:
        statement = statement.where(Account.email.ilike(f"%{query}%"))
    rows = db.session.execute(statement).all()
    return render_template("backoffice/credits/accounts.html", rows=rows, query=query, euros=euros)


@handler(Access.STAFF, load=ONE_ACCOUNT)
def adjust(account: Account):
    form = AdjustCreditForm()
    if not form.key.data:
        form.key.data = secrets.token_hex(16)
    if form.validate_on_submit():
        try:
            operations.adjust_credit(
                account, current_staff(), form.signed_cents(), form.reason.data, form.key.data
            )
        except operations.BillingError as exc:
            form.amount.errors.append(str(exc))
        else:
            flash(
                _("Crédit ajusté : nouveau solde %(balance)s.", balance=euros(_balance(account))),
                "success",
            )
            return redirect(url_for("backoffice.credit_accounts", q=account.email))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "backoffice/credits/adjust.html",
        account=account,
        form=form,
        balance=_balance(account),
        euros=euros,
    ), status


@hookimpl
def backoffice_pages():
    both = ("GET", "POST")
    return [
        BackofficePage("/credits", "credit_accounts", accounts),
        BackofficePage("/credits/comptes/<int:account_id>/ajuster", "credit_adjust", adjust, both),
        # The closure refunds (holders' requests with their IBAN), in the back office's views.
        BackofficePage("/credits/remboursements", "credit_refunds", refund_views.refunds),
        BackofficePage(
            "/credits/remboursements/<int:refund_id>", "credit_refund", refund_views.refund, both
        ),
    ]


@hookimpl
def backoffice_menu_items():
    return [
        BackofficeMenuItem(_l("Crédits"), "credit_accounts", order=300),
        BackofficeMenuItem(_l("Remboursements"), "credit_refunds", order=310),
    ]
