"""Request handlers of the account area: parse, call an operation, render."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
)
from flask import url_for as flask_url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from portal.core import clock
from portal.core.accounts import letterhead as letterhead_rules
from portal.core.accounts.account import forms, operations
from portal.core.accounts.closure import grace_end, request_closure
from portal.core.accounts.export import build_export, export_filename
from portal.core.accounts.kinds import account_area
from portal.core.accounts.models import AccountStatus, Profile
from portal.core.accounts.session import (
    account_limit_key,
    active_profiles,
    current_account,
    current_profile,
    log_out_everywhere,
    safe_next,
)
from portal.core.accounts.session import choose_profile as choose_session_profile
from portal.core.accounts.validators import AccountDataError, country_name, display_phone
from portal.core.messaging.taxonomy import CATEGORY_LABELS
from portal.core.pdf import render_pdf
from portal.core.ratelimit import limiter
from portal.core.tenants import current_tenant
from portal.core.verification.readiness import readiness
from portal.core.web.pipeline import Access, handler, may_open


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of a page another module may or may not provide (None when it does not, or when
    it is closed to the current profile: a holder's page for a collaborator)."""
    if endpoint not in current_app.view_functions or not may_open(endpoint, current_profile()):
        return None
    try:
        return flask_url_for(endpoint, **values)
    except BuildError:
        return None


def page_context() -> dict:
    """What every page of the area may use (pages of other modules are linked when present)."""
    return {
        "optional_url": optional_url,
        "display_phone": display_phone,
        "format_orias": letterhead_rules.format_orias,
        "change_password_url": optional_url("auth.change_password"),
        "country_name": country_name,
        "category_label": lambda code: CATEGORY_LABELS.get(code, code) if code else "",
    }


def _only_with(part: str) -> None:
    """404 for a page of a part of the account area this tenant's accounts do not have (a
    member's account has neither collaborators nor letterhead)."""
    if not getattr(account_area(), part):
        abort(404)


# --- Overview and profile choice ----------------------------------------------------------------


@handler(Access.PROFILE)
def overview():
    account = current_account()
    return render_template(
        "account/overview.html",
        account=account,
        readiness=readiness(account, current_tenant()),
        deletion_at=grace_end(account, current_tenant()),
    )


@handler(Access.ACCOUNT)
def choose_profile():
    account = current_account()
    form = forms.ChooseProfileForm()
    next_url = safe_next(request.values.get("next"))
    if form.validate_on_submit():
        profile = next((p for p in account.profiles if p.id == form.profile_id.data), None)
        if profile is None:
            abort(404)
        if not profile.active:
            flash(_("Ce profil est désactivé : choisissez-en un autre."), "error")
            return redirect(flask_url_for(".choose_profile", next=next_url))
        choose_session_profile(profile)
        flash(_("Vous travaillez maintenant en tant que %(name)s.", name=profile.name), "success")
        return redirect(next_url or flask_url_for("core.home"))
    return render_template(
        "account/choose_profile.html",
        form=form,
        profiles=active_profiles(account),
        next_url=next_url,
    )


# --- Profiles ("utilisateurs du compte") --------------------------------------------------------


@handler(Access.HOLDER)
def profiles():
    _only_with("collaborators")
    return render_template("account/profiles.html", profiles=current_account().profiles)


@handler(Access.HOLDER)
def new_profile():
    _only_with("collaborators")
    form = forms.ProfileForm()
    if form.validate_on_submit():
        try:
            profile = operations.create_profile(current_account(), current_profile(), form.data)
        except AccountDataError as error:
            error.show_on(form)
        else:
            flash(_("L'utilisateur %(name)s a été créé.", name=profile.name), "success")
            return redirect(flask_url_for(".profiles"))
    return render_template("account/profile_form.html", form=form, profile=None)


@handler(Access.HOLDER, load={"profile_id": Profile})
def edit_profile(profile: Profile):
    _only_with("collaborators")
    form = forms.ProfileForm(
        data={
            "name": profile.name,
            "email": profile.email,
            "phone": display_phone(profile.phone),
            "mobile": display_phone(profile.mobile),
            "active": profile.active,
        }
    )
    if profile.is_holder:
        del form.active  # the holder's profile is the account itself: always active
    if form.validate_on_submit():
        data = {**form.data, "active": True} if profile.is_holder else form.data
        try:
            operations.update_profile(profile, current_profile(), data)
        except AccountDataError as error:
            error.show_on(form)
        else:
            flash(_("L'utilisateur %(name)s a été enregistré.", name=profile.name), "success")
            return redirect(flask_url_for(".profiles"))
    return render_template("account/profile_form.html", form=form, profile=profile)


# --- Contact details ------------------------------------------------------------------------------

# Wrong passwords typed to change the login email, per account: a stolen session must not be a
# way to guess the password.
EMAIL_CHANGE_CHECKS = "5 per minute"


def _password_failed(response) -> bool:
    return bool(g.get("account_password_failed"))


@handler(Access.PROFILE)
@limiter.limit(
    EMAIL_CHANGE_CHECKS,
    key_func=account_limit_key,
    methods=["POST"],
    deduct_when=_password_failed,
)
def details():
    account = current_account()
    area = account_area()
    form = forms.DetailsForm(data={"email": account.email, "phone": display_phone(account.phone)})
    form.international_phones = area.foreign_addresses
    if form.validate_on_submit():
        try:
            changed = operations.change_details(
                account,
                current_profile(),
                email=form.email.data,
                phone=form.phone.data,
                password=form.current_password.data,
                international=area.foreign_addresses,
            )
        except AccountDataError as error:
            g.account_password_failed = error.field == "current_password"
            error.show_on(form)
        else:
            if "email" in changed:
                flash(
                    _(
                        "Votre adresse e-mail est modifiée : connectez-vous désormais avec "
                        "%(email)s. Un message de confirmation a été envoyé à l'ancienne adresse.",
                        email=account.email,
                    ),
                    "success",
                )
            if "phone" in changed:
                flash(_("Votre numéro de téléphone est modifié."), "success")
            if not changed:
                flash(_("Aucune modification à enregistrer."), "info")
            return redirect(flask_url_for(".details"))
    return render_template(
        "account/details.html",
        form=form,
        account=account,
        area=area,
        balance_cents=_balance_cents(account) if area.credit else None,
        help_url=optional_url("messaging.new_help_request"),
    )


def _balance_cents(account) -> int:
    from portal.core.credits.ledger import balance_cents

    return balance_cents(account.id)


# --- Letterhead -----------------------------------------------------------------------------------


def _letterhead_page(add_form, status: int = 200):
    account = current_account()
    return (
        render_template(
            "account/letterhead.html",
            account=account,
            add_form=add_form,
            preview=letterhead_rules.letterhead_lines(account),
            fixed=letterhead_rules.fixed_lines(account),
            added=letterhead_rules.added_lines(account),
            max_lines=letterhead_rules.MAX_ADDED_LINES,
            max_line_length=letterhead_rules.MAX_LINE_LENGTH,
        ),
        status,
    )


@handler(Access.HOLDER)
def letterhead():
    _only_with("letterhead")
    return _letterhead_page(forms.LetterheadLineForm(formdata=None))


@handler(Access.HOLDER)
def letterhead_add():
    _only_with("letterhead")
    form = forms.LetterheadLineForm()
    if form.validate_on_submit():
        try:
            letterhead_rules.add_line(current_account(), form.line.data)
        except letterhead_rules.LetterheadError as error:
            form.line.errors.append(str(error))
        else:
            flash(_("La ligne a été ajoutée à l'en-tête."), "success")
            return redirect(flask_url_for(".letterhead"))
    return _letterhead_page(form, 400)


@handler(Access.HOLDER)
def letterhead_change():
    _only_with("letterhead")
    form = forms.LetterheadChangeForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("up", "down", "remove"):
        abort(400)
    account = current_account()
    try:
        if action == "remove":
            letterhead_rules.remove_line(account, form.index.data, form.expected.data)
        else:
            offset = -1 if action == "up" else 1
            letterhead_rules.move_line(account, form.index.data, form.expected.data, offset)
    except letterhead_rules.LetterheadError as error:
        flash(str(error), "error")
    else:
        flash(
            _("La ligne a été retirée de l'en-tête.")
            if action == "remove"
            else _("L'ordre des lignes a été modifié."),
            "success",
        )
    return redirect(flask_url_for(".letterhead"))


@handler(Access.HOLDER)
def letterhead_pdf():
    """A sample letter with the account's letterhead, as every PDF letter will show it."""
    _only_with("letterhead")
    account = current_account()
    pdf = render_pdf(
        "account/letterhead_pdf.html",
        sender_lines=letterhead_rules.letterhead_lines(account),
        recipient=[_("Destinataire"), _("Adresse du destinataire"), "75000 PARIS"],
        subject=_("Aperçu de l'en-tête de vos lettres"),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="apercu-entete.pdf"'},
    )


# --- Sessions -----------------------------------------------------------------------------------


@handler(Access.ACCOUNT)
def log_out_all_devices():
    """« Se déconnecter de tous les appareils »: every session of the account ends, this one
    too (a lost phone, a shared computer)."""
    account = current_account()
    operations.record("account.logged_out_everywhere", account, current_profile())
    log_out_everywhere(account)
    flash(_("Vous êtes déconnecté de tous les appareils."), "success")
    return redirect(flask_url_for("auth.login"))


# --- Closure and export ---------------------------------------------------------------------------


@handler(Access.HOLDER, reauth=True)
def closure():
    """Ask for the closure; once asked, ask for the remaining credit to be paid back (IBAN)."""
    from portal.core.accounts.kinds import account_area
    from portal.core.credits import refunds
    from portal.core.credits.billing.operations import BillingError
    from portal.core.credits.refund_forms import RefundRequestForm

    account = current_account()
    tenant = current_tenant()
    form = forms.ClosureForm()
    has_credit = account_area(tenant).credit
    refund = refunds.refund_request_of(account) if has_credit else None
    refund_form = None
    if has_credit and account.status == AccountStatus.CLOSING:
        refund_form = RefundRequestForm(
            data={"account_holder": refund.account_holder if refund else account.holder_name}
        )
        if refund_form.validate_on_submit():
            try:
                refunds.request_refund(
                    account,
                    current_profile(),
                    tenant,
                    iban=refund_form.iban.data,
                    holder=refund_form.account_holder.data,
                )
            except refunds.InvalidIban as error:
                refund_form.iban.errors.append(str(error))
            except BillingError as error:
                refund_form.form_errors.append(str(error))
            else:
                flash(
                    _(
                        "Votre demande de remboursement est enregistrée : le virement sera fait "
                        "par notre équipe, vous serez prévenu par e-mail."
                    ),
                    "success",
                )
                return redirect(flask_url_for(".closure"))
    elif account.status == AccountStatus.ACTIVE and form.validate_on_submit():
        try:
            end = request_closure(account, current_profile(), tenant)
        except AccountDataError as error:
            error.show_on(form)
        else:
            flash(
                _(
                    "La clôture de votre compte est demandée. Vous pouvez télécharger "
                    "l'historique de votre compte jusqu'au %(date)s.",
                    date=format_date(end, "long"),
                ),
                "success",
            )
            return redirect(flask_url_for(".overview"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "account/closure.html",
        form=form,
        account=account,
        grace_days=tenant.config.accounts.closure_grace_days,
        deletion_at=grace_end(account, tenant),
        refund_quote=refunds.quote(account, tenant) if has_credit else None,
        refund=refund,
        refund_form=refund_form,
    ), status


@handler(Access.HOLDER)
def export():
    account = current_account()
    operations.record("account.exported", account, current_profile())
    archive = build_export(account)
    today = clock.local_now(current_tenant())
    return send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=export_filename(account, today),
        max_age=0,
    )
