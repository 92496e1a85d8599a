"""Request handlers of the sandbox provider's pages (imitating IDnow's)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.core.identity.sandbox import find_session
from portal.core.identity.sandbox.forms import PhotoForm, SmsCodeForm
from portal.core.identity.sandbox.models import SandboxIdentitySession, SandboxState
from portal.core.identity.sandbox.operations import (
    MAX_PHOTO_BYTES,
    SandboxRefused,
    check_code,
    submit_photo,
)
from portal.extensions import db


def _session_or_404(ref: str) -> SandboxIdentitySession:
    session = find_session(ref)  # tenant-scoped: another tenant's link is not found
    if session is None:
        abort(404)
    return session


def _render(template: str, session: SandboxIdentitySession, **context):
    response = render_template(template, session=session, **context)
    # The link is a secret: keep it out of shared caches and of referrers.
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def welcome(ref: str):
    session = _session_or_404(ref)
    if session.state != SandboxState.CREATED:
        return redirect(url_for(".waiting", ref=ref))
    return _render("identity/sandbox/welcome.html", session)


def photo(ref: str):
    session = _session_or_404(ref)
    if session.state != SandboxState.CREATED:
        return redirect(url_for(".waiting", ref=ref))
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
            db.session.commit()
            return redirect(url_for(".waiting", ref=ref))
    return _render("identity/sandbox/photo.html", session, form=form)


def waiting(ref: str):
    session = _session_or_404(ref)
    if session.state == SandboxState.CREATED:
        return redirect(url_for(".welcome", ref=ref))
    return _render("identity/sandbox/waiting.html", session, form=SmsCodeForm())


def code(ref: str):
    session = _session_or_404(ref)
    form = SmsCodeForm()
    if form.validate_on_submit():
        try:
            right = check_code(session, form.code.data)
        except SandboxRefused as exc:
            flash(exc.message, "error")
            return redirect(url_for(".waiting", ref=ref))
        db.session.commit()
        if right or session.state == SandboxState.FAILED:
            return redirect(url_for(".waiting", ref=ref))
        form.code.errors.append(_("Code incorrect."))
    return _render("identity/sandbox/waiting.html", session, form=form)
