"""Invitations: on tenants without self sign-up (``signup = "invite"``), staff create the
account and the holder sets a first password from the emailed link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.accounts.validators import (
    AccountDataError,
    normalize_email,
    normalize_orias,
    normalize_phone,
)
from portal.core.backoffice import account_actions, queries
from portal.core.backoffice.forms import InviteForm
from portal.core.backoffice.session import current_staff
from portal.core.backoffice.views.common import int_arg
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler

NO_AFFILIATION = ""


def invite_tenants() -> list:
    """Parsed tenants whose accounts are created by invitation."""
    directory = tenant_directory()
    parsed = [directory.get(tenant.id, tenant.revision) for tenant in queries.all_tenants()]
    return [t for t in parsed if t is not None and t.config.accounts.signup == "invite"]


def _holder_fields(form: InviteForm) -> dict:
    """The form's values as the account stores them (normalised phone numbers and ORIAS)."""
    return {
        "email": normalize_email(form.email.data),
        "first_name": form.first_name.data,
        "last_name": form.last_name.data,
        "commercial_name": form.commercial_name.data,
        "address": form.address.data,
        "address2": form.address2.data or None,
        "postal_code": form.postal_code.data,
        "city": form.city.data,
        "phone": normalize_phone(form.phone.data),
        "mobile": normalize_phone(form.mobile.data) if form.mobile.data else None,
        "orias": normalize_orias(form.orias.data) or None,
        "affiliation": form.affiliation.data or None,
    }


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
    form.affiliation.choices = [(NO_AFFILIATION, _("Pas d'affiliation"))] + [
        (name, name) for name in tenant.config.accounts.affiliations
    ]
    if form.validate_on_submit():
        try:
            account_id = account_actions.invite(tenant.id, current_staff(), **_holder_fields(form))
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
    return render_template("backoffice/invite.html", tenants=tenants, tenant=tenant, form=form)
