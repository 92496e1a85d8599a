"""Account search across tenants, and one account's file."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.validators import display_phone
from portal.core.backoffice import queries
from portal.core.backoffice.forms import AccountSearchForm
from portal.core.backoffice.labels import ACCOUNT_STATUS
from portal.core.backoffice.views.common import int_arg, tenant_choices
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler
from portal.extensions import db


@handler(Access.STAFF)
def accounts():
    form = AccountSearchForm(request.args)
    form.tenant.choices = tenant_choices(_("Tous les tenants"))
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
        statuses=ACCOUNT_STATUS,
    )


@handler(Access.STAFF, load={"account_id": Account})
def account(account: Account):
    return render_template(
        "backoffice/account.html",
        account=account,
        tenant=tenant_directory().get(account.tenant_id),
        statuses=ACCOUNT_STATUS,
        documents=queries.account_documents(account),
        mandate=queries.account_mandate(account),
        entries=queries.account_audit(account),
        display_phone=display_phone,
    )
