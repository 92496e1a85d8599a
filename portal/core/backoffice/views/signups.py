"""The queue of sign-up requests (tenants in approval mode): approve, or reject with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.accounts.models import Account, AccountStatus
from portal.core.accounts.validators import AccountDataError
from portal.core.backoffice import account_actions, queries
from portal.core.backoffice.forms import RejectForm
from portal.core.backoffice.session import current_staff
from portal.core.backoffice.views.common import int_arg, tenant_choices
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler


@handler(Access.STAFF)
def signup_requests():
    tenant_id = int_arg(request.args.get("tenant"))
    return render_template(
        "backoffice/signup_requests.html",
        requests=queries.signup_requests(tenant_id),
        kinds=queries.tenant_kinds(),
        tenant_names={t.id: t.name for t in queries.all_tenants()},
        tenant_slugs=queries.tenant_names(),
        tenant_options=tenant_choices(_("Tous les portails")),
        chosen_tenant=str(tenant_id or ""),
    )


def _already_decided():
    flash(_("Cette demande a déjà été traitée."), "info")
    return redirect(url_for("backoffice.signup_requests"))


@handler(Access.STAFF, load={"account_id": Account})
def approve(account: Account):
    try:
        account_actions.approve(account, current_staff())
    except account_actions.NotWaiting:
        return _already_decided()
    flash(
        _(
            "Demande de %(email)s validée : le lien de création du mot de passe lui est envoyé.",
            email=account.email,
        ),
        "success",
    )
    return redirect(url_for("backoffice.signup_requests"))


@handler(Access.STAFF, load={"account_id": Account})
def reject(account: Account):
    if account.status != AccountStatus.PENDING_APPROVAL:
        return _already_decided()
    form = RejectForm()
    if form.validate_on_submit():
        try:
            account_actions.reject(account, current_staff(), form.reason.data)
        except account_actions.NotWaiting:
            return _already_decided()
        except AccountDataError as refused:
            form.reason.errors.append(refused.message)
        else:
            flash(_("Demande de %(email)s refusée.", email=account.email), "success")
            return redirect(url_for("backoffice.signup_requests"))
    return render_template(
        "backoffice/signup_reject.html",
        form=form,
        account=account,
        tenant=tenant_directory().get(account.tenant_id),
    )
