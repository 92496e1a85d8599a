"""Request handlers of sign-up, activation, login and passwords: parse, call an operation, render.

Pages that take an email address answer the same whatever the address, and links (activation,
first password, reset) that are unknown, used or expired answer 404 with a page offering a new
one. Login failures are rate limited (``portal.core.ratelimit``) per client, per address and
client together (a stranger elsewhere cannot lock a real user out), and per address by the hour
(ASVS 2.2.1); emails asked for are limited per client and per address.
"""

from __future__ import annotations

import time

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal.core.accounts import authentication, invitations, password_changes, registration
from portal.core.accounts.auth.forms import (
    PASSWORD_HINT,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    NewPasswordForm,
    OriasStepForm,
    ReauthForm,
    SignupForm,
)
from portal.core.accounts.kinds import account_area
from portal.core.accounts.session import (
    account_limit_key,
    active_profiles,
    choose_profile,
    current_account,
    current_profile,
    log_in,
    log_out,
    safe_next,
)
from portal.core.accounts.validators import AccountDataError, normalize_email
from portal.core.messaging.taxonomy import CATEGORY_LABELS
from portal.core.pages import page_url
from portal.core.ratelimit import client_ip, limiter
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

# Failed attempts only (a successful login costs nothing): per client address whatever the email
# tried; per address on this tenant from one client; per address from anywhere, by the hour.
LOGIN_PER_IP = "20 per minute"
LOGIN_PER_EMAIL_AND_IP = "5 per minute"
LOGIN_PER_EMAIL_HOURLY = "100 per hour"
CHECKS_PER_ACCOUNT = "5 per minute"  # re-authentication, change of password
# Requests that send an email (sign-up, forgotten password, new links): per client address, and
# per address typed, so nobody floods one mailbox from many clients.
EMAILS_PER_IP = "10 per minute"
EMAILS_PER_EMAIL = "5 per hour"


def _failed(response) -> bool:
    return bool(g.get("auth_failed"))


def _email_sent(response) -> bool:
    return response.status_code in (302, 303)


def _tenant_email_key() -> str:
    return f"{current_tenant().id}:{normalize_email(request.form.get('email'))}"


def _tenant_email_client_key() -> str:
    return f"{_tenant_email_key()}:{client_ip()}"


def _limit_emails(view):
    """The limits of a form that sends an email: per client, and per address typed."""
    view = limiter.limit(
        EMAILS_PER_EMAIL, key_func=_tenant_email_key, methods=["POST"], deduct_when=_email_sent
    )(view)
    return limiter.limit(EMAILS_PER_IP, methods=["POST"], deduct_when=_email_sent)(view)


def _signup_mode() -> str:
    return current_tenant().config.accounts.signup


def _home_after_login(account, target: str | None):
    target = safe_next(target)
    if len(active_profiles(account)) > 1:
        return redirect(url_for("account.choose_profile", next=target))
    return redirect(target or url_for("core.home"))


# --- Sign-up -------------------------------------------------------------------------------------


@handler(Access.ANONYMOUS)
@_limit_emails
def signup():
    mode = _signup_mode()
    if mode == "invite":
        abort(404)
    tenant = current_tenant()
    config = tenant.config
    area = account_area(tenant)
    form = SignupForm(
        affiliations=config.accounts.affiliations,
        categories=[(c, CATEGORY_LABELS[c]) for c in config.messaging.categories],
        terms_url=page_url("cgu"),
        sale_terms_url=page_url("cgv"),
        with_password=mode == "self",
        kind=area.kind,
        foreign_addresses=area.foreign_addresses,
    )
    page = {"form": form, "mode": mode, "hint": PASSWORD_HINT, "kind": area.kind}
    if request.method == "POST":
        if form.validate():
            try:
                return _register(form)
            except AccountDataError as error:  # the rules of the kind, checked once more
                error.show_on(form)
        form.keep_valid_passwords()
        return render_template("auth/signup.html", **page)
    # Intermediaries are first asked for their ORIAS number (or to go on without one).
    asks_orias = mode == "self" and form.orias is not None
    if asks_orias and request.args.get("etape") != "formulaire":
        return render_template("auth/signup_start.html", step=OriasStepForm(formdata=None))
    if asks_orias and "sans_orias" not in request.args:
        step = OriasStepForm(request.args)
        if not step.validate():
            return render_template("auth/signup_start.html", step=step)
        form.orias.data = step.orias.data
    return render_template("auth/signup.html", **page)


def _optional(form: SignupForm, name: str):
    """The value of a field the form may not have (the tenant's kind of accounts decides)."""
    field = getattr(form, name)
    return (field.data or None) if field is not None else None


def _register(form: SignupForm):
    applicant = registration.Applicant(
        email=form.email.data,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        commercial_name=_optional(form, "commercial_name") or "",
        orias=_optional(form, "orias"),
        siren=_optional(form, "siren"),
        affiliation=_optional(form, "affiliation"),
        category=_optional(form, "category"),
        address=form.address.data,
        address2=form.address2.data or None,
        postal_code=form.postal_code.data,
        city=form.city.data,
        country=_optional(form, "country") or "FR",
        phone=form.phone.data,
        mobile=form.mobile.data or None,
    )
    password = form.password.data if form.password is not None else None
    registration.sign_up(applicant, password)  # a refused applicant leaves nothing behind
    session["signup_email"] = normalize_email(form.email.data)
    return redirect(url_for("auth.signup_sent"))


@handler(Access.ANONYMOUS)
def signup_sent():
    if _signup_mode() == "invite":
        abort(404)
    email = session.get("signup_email")
    if email is None:
        return redirect(url_for("auth.signup"))
    return render_template("auth/signup_sent.html", email=email, mode=_signup_mode())


# --- Activation (self sign-up) -------------------------------------------------------------------


@handler(Access.ANONYMOUS)
def activate(token: str):
    if registration.activation_account(token) is None:
        return _invalid_link("activation")
    if request.method == "POST":
        if registration.activate(token) is None:
            return _invalid_link("activation")
        flash(_("Votre compte est activé. Vous pouvez maintenant vous connecter."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/activate.html", token=token)


def _invalid_link(kind: str):
    """A link that is unknown, used or expired: say so, and offer a new one (404: the token
    named in the URL does not exist, as far as anyone may know)."""
    return render_template("auth/link_invalid.html", kind=kind, form=EmailForm()), 404


def _email_request(kind: str, action):
    """An anonymous "send me a link" form: always the same answer (the next page)."""
    form = EmailForm()
    if form.validate_on_submit():
        action(form.email.data)
        return redirect(url_for("auth.link_sent", motif=kind))
    return render_template("auth/email_request.html", form=form, kind=kind)


@handler(Access.ANONYMOUS)
@_limit_emails
def resend_activation():
    return _email_request("activation", registration.resend_activation)


@handler(Access.ANONYMOUS)
def link_sent():
    kind = request.args.get("motif")
    if kind not in ("activation", "reinitialisation", "premiere-connexion"):
        abort(404)
    return render_template("auth/link_sent.html", kind=kind)


# --- First password (approval and invite modes) --------------------------------------------------


@handler(Access.ANONYMOUS)
@_limit_emails
def first_connection():
    if _signup_mode() == "self":
        abort(404)
    return _email_request("premiere-connexion", invitations.request_first_password_link)


@handler(Access.ANONYMOUS)
def set_password(token: str):
    account = invitations.first_password_account(token)
    if account is None:
        return _invalid_link("premiere-connexion")
    terms_url = page_url("cgu") if account.terms_accepted_at is None else None
    form = NewPasswordForm(terms_url=terms_url, sale_terms=account_area().kind.accepts_sale_terms)
    if form.validate_on_submit():
        account = invitations.set_first_password(
            token, form.password.data, accept_terms=terms_url is not None
        )
        if account is None:
            return _invalid_link("premiere-connexion")
        log_in(account)
        flash(_("Votre mot de passe est créé. Bienvenue !"), "success")
        return _home_after_login(account, None)
    form.keep_valid_passwords()
    return render_template(
        "auth/set_password.html", form=form, account=account, hint=PASSWORD_HINT, first=True
    )


# --- Login, logout, re-authentication ------------------------------------------------------------


@handler(Access.ANONYMOUS)
@limiter.limit(LOGIN_PER_IP, key_func=client_ip, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    LOGIN_PER_EMAIL_AND_IP, key_func=_tenant_email_client_key, methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    LOGIN_PER_EMAIL_HOURLY, key_func=_tenant_email_key, methods=["POST"], deduct_when=_failed
)
def login():
    if request.method == "GET" and current_account() is not None:
        return _home_after_login(current_account(), request.args.get("next"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    refusal = failure = None
    if form.validate_on_submit():
        try:
            account = authentication.authenticate(form.email.data, form.password.data)
        except authentication.LoginRefused as refused:
            refusal = refused
        else:
            if account is not None:
                log_in(account)
                return _home_after_login(account, form.next.data)
            failure = _("Adresse e-mail ou mot de passe incorrect.")
    if request.method == "POST" and refusal is None:
        g.auth_failed = True
    return _render_login(form, failure=failure, refusal=refusal)


def _render_login(form, failure=None, refusal=None, throttled=None):
    resend = EmailForm(formdata=None, email=refusal.account.email) if refusal else None
    return render_template(
        "auth/login.html",
        form=form,
        failure=failure,
        refusal=refusal,
        throttled=throttled,
        resend=resend,
        mode=_signup_mode(),
    )


@handler(Access.ANONYMOUS)
def logout():
    log_out()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("auth.login"))


@handler(Access.ACCOUNT)
@limiter.limit(
    CHECKS_PER_ACCOUNT, key_func=account_limit_key, methods=["POST"], deduct_when=_failed
)
def reauth():
    form = ReauthForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        if authentication.check_password(current_account(), form.password.data):
            session["reauth_at"] = time.time()
            return redirect(safe_next(form.next.data) or url_for("account.overview"))
        form.password.errors.append(_("Mot de passe incorrect."))
    if request.method == "POST":
        g.auth_failed = True
    return render_template("auth/reauth.html", form=form)


# --- Forgotten, reset and changed passwords ------------------------------------------------------


@handler(Access.ANONYMOUS)
@_limit_emails
def forgot_password():
    return _email_request("reinitialisation", password_changes.send_password_reset)


@handler(Access.ANONYMOUS)
def reset_password(token: str):
    if password_changes.reset_account(token) is None:
        return _invalid_link("reinitialisation")
    form = NewPasswordForm()
    if form.validate_on_submit():
        account = password_changes.reset_password(token, form.password.data)
        if account is None:
            return _invalid_link("reinitialisation")
        log_in(account)
        flash(_("Votre mot de passe a été modifié."), "success")
        return _home_after_login(account, None)
    form.keep_valid_passwords()
    return render_template("auth/set_password.html", form=form, hint=PASSWORD_HINT, first=False)


@handler(Access.ACCOUNT)
@limiter.limit(
    CHECKS_PER_ACCOUNT, key_func=account_limit_key, methods=["POST"], deduct_when=_failed
)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account, profile = current_account(), current_profile()
        try:
            password_changes.change_password(
                account, form.current_password.data, form.password.data, profile
            )
        except AccountDataError as error:
            error.show_on(form)
            g.auth_failed = True
        else:
            # This session goes on (same profile, just re-authenticated); every other one ends.
            log_in(account)
            if profile is not None and profile.active:
                choose_profile(profile)
            session["reauth_at"] = time.time()
            flash(_("Votre mot de passe a été modifié."), "success")
            return redirect(url_for("account.overview"))
    form.keep_valid_passwords()
    return render_template("auth/change_password.html", form=form, hint=PASSWORD_HINT)


# --- Blueprint-wide ------------------------------------------------------------------------------


def too_many_attempts(error):
    """429 from the rate limiter: the page the user was on, with a clear message saying how
    long to wait (a minute, or an hour for the hourly limits)."""
    if error.limit.limit.get_expiry() > 60:
        message = _("Trop de tentatives. Pour protéger votre compte, réessayez dans une heure.")
    else:
        message = _("Trop de tentatives. Pour protéger votre compte, réessayez dans une minute.")
    if request.endpoint == "auth.login":
        return _render_login(LoginForm(), throttled=message), 429
    return render_template("auth/too_many.html", message=message), 429


def no_store(response):
    """Pages with passwords and one-time links stay out of browser and proxy caches."""
    response.headers["Cache-Control"] = "no-store"
    return response
