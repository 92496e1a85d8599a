"""Back office « Remboursements » : the holders' requests that the remaining credit of a closing
account be paid back, and the operator recording the transfer (portal.core.credits.refunds).

Registered by the credits module's back-office hooks (portal.core.credits.billing.backoffice).
Staff pages across tenants; executing enters the request's tenant.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField
from wtforms.validators import DataRequired

from portal.core.accounts.models import Account
from portal.core.backoffice import current_staff
from portal.core.credits import refunds as refund_rules
from portal.core.credits.billing.operations import BillingError
from portal.core.credits.ledger import euros
from portal.core.credits.models import CreditBalance, RefundRequest, RefundStatus
from portal.core.tenants import Tenant, tenant_directory
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PAGE_SIZE = 50
STATUS_LABELS = {
    RefundStatus.REQUESTED: _l("À effectuer"),
    RefundStatus.EXECUTED: _l("Effectué"),
}


class ExecuteRefundForm(FlaskForm):
    transfer_ordered = BooleanField(
        _l("J'ai ordonné le virement du montant indiqué vers cet IBAN"),
        validators=[DataRequired(_l("Cochez cette case une fois le virement ordonné."))],
    )


@handler(Access.STAFF)
def refunds():
    """Requests to pay, oldest first; those done, newest first."""
    wanted = request.args.get("statut", RefundStatus.REQUESTED.value)
    status = RefundStatus.EXECUTED if wanted == "executed" else RefundStatus.REQUESTED
    order = (
        RefundRequest.requested_at.asc()
        if status == RefundStatus.REQUESTED
        else RefundRequest.executed_at.desc()
    )
    rows = db.session.execute(
        select(RefundRequest, Account, Tenant.name, CreditBalance.balance_cents)
        .join(Account, Account.id == RefundRequest.account_id)
        .join(Tenant, Tenant.id == RefundRequest.tenant_id)
        .outerjoin(CreditBalance, CreditBalance.account_id == RefundRequest.account_id)
        .where(RefundRequest.status == status)
        .order_by(order, RefundRequest.id)
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "backoffice/refunds.html",
        rows=rows,
        status=status,
        statuses=STATUS_LABELS,
        euros=euros,
    )


@handler(Access.STAFF, load={"refund_id": RefundRequest})
def refund(refund: RefundRequest):
    refund_request = refund
    account = db.session.get(Account, refund_request.account_id)
    tenant = tenant_directory().get(refund_request.tenant_id)
    form = ExecuteRefundForm()
    error = None
    if refund_request.status == RefundStatus.REQUESTED and form.validate_on_submit():
        try:
            done = refund_rules.execute_refund(refund_request, current_staff())
        except BillingError as exc:
            error = str(exc)
        else:
            flash(
                _(
                    "Remboursement enregistré : %(paid)s remboursés après %(fee)s de frais ; "
                    "le titulaire est prévenu par e-mail.",
                    paid=euros(done.paid_cents),
                    fee=euros(done.fee_cents),
                ),
                "success",
            )
            return redirect(url_for("backoffice.credit_refund", refund_id=refund_request.id))
    elif request.method == "POST" and refund_request.status == RefundStatus.EXECUTED:
        error = _("Ce remboursement a déjà été effectué.")
    from portal.core.tenants import tenant_scope

    with tenant_scope(refund_request.tenant_id):
        figures = refund_rules.quote(account, tenant)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "backoffice/refunds_detail.html",
        refund=refund_request,
        account=account,
        tenant=tenant,
        figures=figures,
        form=form,
        error=error,
        statuses=STATUS_LABELS,
        euros=euros,
        iban_formatted=_grouped(refund_request.iban),
    ), status


def _grouped(iban: str | None) -> str | None:
    if not iban:
        return None
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
