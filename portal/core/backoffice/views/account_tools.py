"""Operator tools on one account: change its details after a help request, deactivate or erase
a collaborator's profile, note a mandate request. Each action is audited and done in the
account's tenant (``portal.core.backoffice.account_actions``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.accounts.models import Account, Profile
from portal.core.accounts.validators import AccountDataError, display_phone
from portal.core.backoffice import account_actions
from portal.core.backoffice.forms import AccountDetailsForm, MandateRecordForm, ProfileActionForm
from portal.core.backoffice.session import current_staff
from portal.core.clock import now
from portal.core.tenants import tenant_directory
from portal.core.web.pipeline import Access, handler

ONE_ACCOUNT = {"account_id": Account}
ACCOUNT_AND_PROFILE = {"account_id": Account, "profile_id": Profile}


def _tenant(account: Account):
    tenant = tenant_directory().get(account.tenant_id)
    if tenant is None:
        abort(404)
    return tenant


def _back(account: Account, anchor: str = ""):
    return redirect(url_for("backoffice.account", account_id=account.id) + anchor)


# --- Details -------------------------------------------------------------------------------------


@handler(Access.STAFF, load=ONE_ACCOUNT)
def edit_details(account: Account):
    tenant = _tenant(account)
    form = AccountDetailsForm(obj=account if request.method == "GET" else None)
    form.keep_fields_of(tenant)
    if request.method == "GET":
        if "siren" in form and account.siren:
            from portal.core.accounts.validators import format_siren

            form.siren.data = format_siren(account.siren)
        form.phone.data = display_phone(account.phone)
        form.mobile.data = display_phone(account.mobile)
        if "category" in form and not account.category:
            form.category.data = form.category.choices[0][0]
    if form.validate_on_submit():
        try:
            changed = account_actions.change_details(
                account, current_staff(), form.values(), form.reason.data
            )
        except AccountDataError as refused:
            refused.show_on(form)
        else:
            if changed:
                flash(_("Coordonnées du compte modifiées."), "success")
            else:
                flash(_("Aucune modification : les coordonnées sont inchangées."), "info")
            return _back(account)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "backoffice/account_edit.html", account=account, tenant=tenant, form=form
    ), status


# --- Profiles ------------------------------------------------------------------------------------


def _profile_of(account: Account, profile: Profile) -> Profile:
    if profile.account_id != account.id:
        abort(404)
    return profile


def _profile_action(account: Account, profile: Profile, action, done: str):
    profile = _profile_of(account, profile)
    form = ProfileActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = action(profile)
    except AccountDataError as refused:
        flash(refused.message, "error")
    else:
        if changed:
            flash(done, "success")
    return _back(account, "#utilisateurs")


@handler(Access.STAFF, load=ACCOUNT_AND_PROFILE)
def deactivate_profile(account: Account, profile: Profile):
    return _profile_action(
        account,
        profile,
        lambda p: account_actions.set_profile_active(p, current_staff(), False),
        _("Profil désactivé : il ne peut plus être choisi à la connexion."),
    )


@handler(Access.STAFF, load=ACCOUNT_AND_PROFILE)
def reactivate_profile(account: Account, profile: Profile):
    return _profile_action(
        account,
        profile,
        lambda p: account_actions.set_profile_active(p, current_staff(), True),
        _("Profil réactivé."),
    )


@handler(Access.STAFF, load=ACCOUNT_AND_PROFILE)
def erase_profile(account: Account, profile: Profile):
    """A confirmation page, then the erasure."""
    profile = _profile_of(account, profile)
    if account_actions.is_erased(profile):
        flash(_("Ce profil a déjà été effacé."), "info")
        return _back(account, "#utilisateurs")
    form = ProfileActionForm()
    if request.method == "POST":
        return _profile_action(
            account,
            profile,
            lambda p: account_actions.erase_profile(p, current_staff()),
            _("Profil effacé : ses données personnelles sont supprimées."),
        )
    return render_template(
        "backoffice/profile_erase.html", account=account, profile=profile, form=form
    )


# --- Mandate requests ----------------------------------------------------------------------------


@handler(Access.STAFF, load=ONE_ACCOUNT)
def record_mandate(account: Account):
    tenant = _tenant(account)
    form = MandateRecordForm()
    if request.method == "GET":
        form.occurred_on.data = now().date()
    if form.validate_on_submit():
        try:
            account_actions.record_mandate(
                account,
                current_staff(),
                event=form.event.data,
                channel=form.channel.data,
                occurred_on=form.occurred_on.data,
                person=form.person.data,
                note=form.note.data,
            )
        except AccountDataError as refused:
            refused.show_on(form)
        else:
            flash(_("Note ajoutée au registre des mandats du compte."), "success")
            return _back(account, "#mandat")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "backoffice/mandate_record.html", account=account, tenant=tenant, form=form
    ), status
