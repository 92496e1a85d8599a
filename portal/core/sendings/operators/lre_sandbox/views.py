"""The recipient's pages at the sandbox operator: identify, then accept or refuse.

No login: the link's ``secret`` is the key, found on its tenant's host only (404 elsewhere).
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from portal.core.sendings.operators.lre_sandbox import rules
from portal.core.sendings.operators.lre_sandbox.forms import CodeForm, DecisionForm, IdentifyForm
from portal.core.sendings.operators.lre_sandbox.models import LreSandboxDeposit
from portal.core.sendings.operators.lre_sandbox.operations import (
    RecipientError,
    accept,
    check_code,
    identify,
    refuse,
)
from portal.core.web.headers import send_no_referrer
from portal.core.web.pipeline import Access, Load, handler

BY_SECRET = {"secret": Load(LreSandboxDeposit, column="secret", name="deposit")}


def _render(deposit: LreSandboxDeposit, **context):
    send_no_referrer()  # the link is a secret: keep it out of referrers and shared caches
    page = render_template("lre_sandbox/letter.html", deposit=deposit, rules=rules, **context)
    return page, 200, {"Cache-Control": "no-store"}


def _awaiting_code(deposit: LreSandboxDeposit) -> bool:
    # Named, not yet identified: a qualified letter's code is on its way (or arrived).
    return deposit.identified_at is None and deposit.identified_name is not None


@handler(Access.ANONYMOUS, load=BY_SECRET)
def letter(deposit: LreSandboxDeposit):
    """The letter's page: what the recipient can do now."""
    form = IdentifyForm()
    if request.method == "POST" and deposit.status == rules.SENT and form.validate_on_submit():
        try:
            sent_code = identify(deposit, form.name.data)
        except RecipientError as exc:
            form.name.errors.append(exc.message)
        else:
            if sent_code:
                flash(_("Un code vous a été envoyé par courriel."), "success")
            return redirect(url_for(".letter", secret=deposit.secret))
    return _render(
        deposit,
        form=form,
        code_form=CodeForm(),
        decision_form=DecisionForm(),
        awaiting_code=_awaiting_code(deposit),
    )


@handler(Access.ANONYMOUS, load=BY_SECRET)
def code(deposit: LreSandboxDeposit):
    form = CodeForm()
    if form.validate_on_submit():
        try:
            check_code(deposit, form.code.data)
        except RecipientError as exc:
            form.code.errors.append(exc.message)
        else:
            return redirect(url_for(".letter", secret=deposit.secret))
    return _render(
        deposit,
        form=IdentifyForm(formdata=None),
        code_form=form,
        decision_form=DecisionForm(),
        awaiting_code=_awaiting_code(deposit),
    )


@handler(Access.ANONYMOUS, load=BY_SECRET)
def decision(deposit: LreSandboxDeposit):
    form = DecisionForm()
    if form.validate_on_submit():
        choice = request.form.get("decision")
        try:
            if choice == "accepter":
                accept(deposit)
            elif choice == "refuser":
                refuse(deposit)
            else:
                abort(400)
        except RecipientError as exc:
            flash(exc.message, "error")
    return redirect(url_for(".letter", secret=deposit.secret))


@handler(Access.ANONYMOUS, load=BY_SECRET)
def document(deposit: LreSandboxDeposit, position: int):
    """A document of the letter, once accepted."""
    if deposit.status != rules.ACCEPTED:
        abort(404)
    found = next((doc for doc in deposit.documents if doc.position == position), None)
    if found is None:
        abort(404)
    send_no_referrer()
    response = send_file(
        io.BytesIO(found.content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=found.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
