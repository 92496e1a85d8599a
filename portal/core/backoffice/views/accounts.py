"""Account search across tenants, and one account's file."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.validators import display_phone
from portal.core.backoffice import queries
from portal.core.backoffice.account_actions import is_erased
from portal.core.backoffice.forms import AccountSearchForm
from portal.core.backoffice.labels import ACCOUNT_STATUS
from portal.core.backoffice.views.common import int_arg, tenant_choices
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler
from portal.extensions import db


@handler(Access.STAFF)
def accounts():
    form = AccountSearchForm(request.args)
    form.tenant.choices = tenant_choices(_("Tous les portails"))
    form.status.choices = [("", _("Tous les statuts"))] + [
        (status.value, str(label)) for status, label in ACCOUNT_STATUS.items()
    ]
    form.validate()
    status = form.status.data if form.status.data in set(AccountStatus) else None
    pagination = db.paginate(
        queries.account_search(form.q.data or "", int_arg(form.tenant.data), status),
        page=request.args.get("page", 1, type=int),
        per_page=queries.ACCOUNTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "backoffice/accounts.html",
        form=form,
        results=pagination,
        tenant_slugs=queries.tenant_names(),
        kinds=queries.tenant_kinds(),
        statuses=ACCOUNT_STATUS,
    )


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of a back-office page another module may or may not provide."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _credit(account: Account, area) -> dict | None:
    """The account's credit and what an operator can do with it; None where the tenant has no
    credit and the account never had any."""
    from portal.core.credits.ledger import balance_cents

    balance = balance_cents(account.id)
    entries = queries.ledger_entries(account)
    if not (area and area.credit) and not balance and not entries:
        return None
    refund = _refund_request(account)
    return {
        "balance": balance,
        "entries": entries,
        "adjust_url": optional_url("backoffice.credit_adjust", account_id=account.id),
        "refund": refund,
        "refund_url": (
            optional_url("backoffice.credit_refund", refund_id=refund.id) if refund else None
        ),
        "closing": account.status in (AccountStatus.CLOSING, AccountStatus.CLOSED),
    }


def _refund_request(account: Account):
    """The holder's request that the remaining credit be paid back at closure, if any."""
    try:
        from portal.core.credits.models import RefundRequest
    except ImportError:  # pragma: no cover - the credits module without closure refunds
        return None
    return db.session.scalar(select(RefundRequest).where(RefundRequest.account_id == account.id))


@handler(Access.STAFF, load={"account_id": Account})
def account(account: Account):
    from portal.core.accounts.kinds import account_area
    from portal.core.accounts.validators import country_name, format_siren
    from portal.core.credits.ledger import euros

    tenant = tenant_directory().get(account.tenant_id)
    area = account_area(tenant) if tenant is not None else None
    return render_template(
        "backoffice/account.html",
        account=account,
        tenant=tenant,
        area=area,
        documents=queries.account_documents(account),
        mandate=queries.account_mandate(account),
        mandate_records=queries.mandate_records(account),
        credit=_credit(account, area),
        entries=queries.account_audit(account),
        display_phone=display_phone,
        format_siren=format_siren,
        country_name=country_name,
        is_erased=is_erased,
        is_pdf=lambda document: document.content_type == "application/pdf",
        euros=euros,
    )
