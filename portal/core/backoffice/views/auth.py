"""Staff login: email and password, then a TOTP code (enrolled at first login); logout."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.backoffice import operations, totp
from portal.core.backoffice.forms import CodeForm, LoginForm
from portal.core.backoffice.session import (
    begin_staff_login,
    complete_staff_login,
    current_staff,
    end_staff_session,
    staff_awaiting_second_factor,
)
from portal.core.ratelimit import client_ip, limiter
from portal.core.web.pipeline import Access, handler

# Per client address, failed attempts only; per email (with and without the client address),
# failures are counted in the audit log (``operations.recent_failures``).
ATTEMPTS_PER_IP = "20 per minute"


def _failed(response) -> bool:
    return bool(g.get("backoffice_login_failed"))


def _private(html: str):
    """Login pages (the enrolment page shows the TOTP secret) stay out of every cache."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _next_page() -> str | None:
    """Where to go after login: only a back-office path of this host (no open redirect)."""
    target = request.args.get("next") or ""
    if target.startswith("/backoffice/") and "\\" not in target:
        return target
    return None


def _too_many_attempts(error: operations.TooManyAttempts) -> str:
    return _(
        "Trop de tentatives infructueuses pour ce compte. Réessayez dans %(minutes)d minutes.",
        minutes=int(error.window.total_seconds() // 60),
    )


@handler(Access.ANONYMOUS)
@limiter.limit(ATTEMPTS_PER_IP, key_func=client_ip, methods=["POST"], deduct_when=_failed)
def login():
    if current_staff() is not None:
        return redirect(_next_page() or url_for("backoffice.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = operations.check_password(form.email.data, form.password.data)
        except operations.TooManyAttempts as error:
            form.form_errors.append(_too_many_attempts(error))
        except operations.BadCredentials:
            # The same words for an unknown email and a wrong password.
            form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        else:
            begin_staff_login(staff)
            return redirect(url_for("backoffice.totp", next=_next_page()))
        g.backoffice_login_failed = True  # the failure is recorded (and counted) all the same
    return _private(render_template("backoffice/login.html", form=form))


@handler(Access.ANONYMOUS)
@limiter.limit(ATTEMPTS_PER_IP, key_func=client_ip, methods=["POST"], deduct_when=_failed)
def second_factor():
    staff = staff_awaiting_second_factor()
    if staff is None:
        if current_staff() is not None:
            return redirect(url_for("backoffice.dashboard"))
        flash(_("Saisissez d'abord votre adresse e-mail et votre mot de passe."), "info")
        return redirect(url_for("backoffice.login", next=_next_page()))
    enrolling = staff.totp_confirmed_at is None
    if enrolling:
        operations.enrolment_secret(staff)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accepted = operations.check_second_factor(staff, form.code.data)
        except operations.TooManyAttempts as error:
            end_staff_session()
            flash(_too_many_attempts(error), "error")
            return redirect(url_for("backoffice.login"))
        if accepted:
            complete_staff_login(staff)
            if enrolling:
                flash(_("Double authentification activée."), "success")
            return redirect(_next_page() or url_for("backoffice.dashboard"))
        g.backoffice_login_failed = True
        form.code.errors.append(
            _(
                "Ce code n'est pas valide ou a déjà servi. Attendez le code suivant de votre "
                "application et saisissez-le."
            )
        )
    return _private(
        render_template(
            "backoffice/totp.html",
            form=form,
            member=staff,
            enrolling=enrolling,
            secret=totp.grouped(staff.totp_secret) if enrolling else None,
            uri=totp.provisioning_uri(staff) if enrolling else None,
            qr_code=(
                totp.qr_code_svg(
                    totp.provisioning_uri(staff),
                    _("Code QR de configuration de l'application d'authentification"),
                )
                if enrolling
                else None
            ),
        )
    )


@handler(Access.ANONYMOUS)
def logout():
    staff = current_staff()
    if staff is not None:
        operations.record_logout(staff)
    end_staff_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("backoffice.login"))
