"""Account search across tenants, and one account's file."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.validators import display_phone
from portal.core.backoffice import queries
from portal.core.backoffice.blueprint import has_page
from portal.core.backoffice.forms import AccountSearchForm
from portal.core.backoffice.labels import ACCOUNT_STATUS
from portal.core.backoffice.session import staff_required
from portal.core.backoffice.views.common import int_arg, tenant_choices
from portal.core.tenants import tenant_directory
from portal.extensions import db

# A document's review page, from the verification module when it is installed.
DOCUMENT_PAGE = "backoffice.verification_document"


@staff_required()
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


@staff_required()
def account(account_id: int):
    found = db.session.get(Account, account_id)
    if found is None:
        abort(404)
    return render_template(
        "backoffice/account.html",
        account=found,
        tenant=tenant_directory().get(found.tenant_id),
        statuses=ACCOUNT_STATUS,
        documents=queries.account_documents(found),
        mandate=queries.account_mandate(found),
        entries=queries.account_audit(found),
        display_phone=display_phone,
        document_page=DOCUMENT_PAGE if has_page(DOCUMENT_PAGE) else None,
    )
