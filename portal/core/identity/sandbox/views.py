"""Request handlers of the sandbox provider's pages (imitating IDnow's).

No login: the link's secret ``ref`` is the key, and it is only found on its tenant's host.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.core.identity.sandbox.forms import PhotoForm, SmsCodeForm
from portal.core.identity.sandbox.models import SandboxIdentitySession, SandboxState
from portal.core.identity.sandbox.operations import (
    MAX_PHOTO_BYTES,
    SandboxRefused,
    check_code,
    submit_photo,
)
from portal.core.web.headers import send_no_referrer
from portal.core.web.pipeline import Access, Load, handler

BY_REF = {"ref": Load(SandboxIdentitySession, column="ref", name="session")}


def _render(template: str, session: SandboxIdentitySession, **context):
    # The link is a secret: keep it out of shared caches and of referrers.
    send_no_referrer()
    response = render_template(template, session=session, **context)
    return response, 200, {"Cache-Control": "no-store"}


@handler(Access.ANONYMOUS, load=BY_REF)
def welcome(session: SandboxIdentitySession):
    if session.state != SandboxState.CREATED:
        return redirect(url_for(".waiting", ref=session.ref))
    return _render("identity/sandbox/welcome.html", session)


@handler(Access.ANONYMOUS, load=BY_REF)
def photo(session: SandboxIdentitySession):
    if session.state != SandboxState.CREATED:
        return redirect(url_for(".waiting", ref=session.ref))
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            submit_photo(
                session,
                upload.filename,
                upload.stream.read(MAX_PHOTO_BYTES + 1),
                form.simulate_failure.data,
            )
        except SandboxRefused as exc:
            form.photo.errors.append(exc.message)
        else:
            return redirect(url_for(".waiting", ref=session.ref))
    return _render("identity/sandbox/photo.html", session, form=form)


@handler(Access.ANONYMOUS, load=BY_REF)
def waiting(session: SandboxIdentitySession):
    if session.state == SandboxState.CREATED:
        return redirect(url_for(".welcome", ref=session.ref))
    return _render("identity/sandbox/waiting.html", session, form=SmsCodeForm())


@handler(Access.ANONYMOUS, load=BY_REF)
def code(session: SandboxIdentitySession):
    form = SmsCodeForm()
    if form.validate_on_submit():
        try:
            right = check_code(session, form.code.data)
        except SandboxRefused as exc:
            flash(exc.message, "error")
            return redirect(url_for(".waiting", ref=session.ref))
        if right or session.state == SandboxState.FAILED:
            return redirect(url_for(".waiting", ref=session.ref))
        form.code.errors.append(_("Code incorrect."))
    return _render("identity/sandbox/waiting.html", session, form=form)
