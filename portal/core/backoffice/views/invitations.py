"""Invitations: on tenants without self sign-up (``signup = "invite"``), staff create the
account and the holder sets a first password from the emailed link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.accounts.validators import AccountDataError
from portal.core.backoffice import account_actions, queries
from portal.core.backoffice.forms import InviteForm
from portal.core.backoffice.session import current_staff
from portal.core.backoffice.views.common import int_arg
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler


def invite_tenants() -> list:
    """Parsed tenants whose accounts are created by invitation."""
    directory = tenant_directory()
    parsed = [directory.get(tenant.id, tenant.revision) for tenant in queries.all_tenants()]
    return [t for t in parsed if t is not None and t.config.accounts.signup == "invite"]


@handler(Access.STAFF)
def invite():
    tenants = invite_tenants()
    chosen_id = int_arg(request.args.get("tenant"))
    if chosen_id is None and len(tenants) == 1:
        chosen_id = tenants[0].id
    tenant = next((t for t in tenants if t.id == chosen_id), None)
    if chosen_id is not None and tenant is None:
        abort(404)  # not a tenant, or not one that invites
    if tenant is None:
        return render_template("backoffice/invite.html", tenants=tenants, tenant=None, form=None)
    form = InviteForm()
    form.keep_fields_of(tenant)
    if form.validate_on_submit():
        try:
            account_id = account_actions.invite(tenant.id, current_staff(), **form.values())
        except AccountDataError as refused:
            field = getattr(form, refused.field, None)
            (field.errors if field is not None else form.form_errors).append(refused.message)
        else:
            flash(
                _(
                    "Invitation envoyée à %(email)s : le lien de création du mot de passe lui "
                    "est envoyé par e-mail.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for("backoffice.account", account_id=account_id))
    from portal.core.accounts.kinds import account_area

    return render_template(
        "backoffice/invite.html",
        tenants=tenants,
        tenant=tenant,
        form=form,
        kind=account_area(tenant).kind,
    )
