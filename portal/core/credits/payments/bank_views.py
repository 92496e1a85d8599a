"""The sandbox bank's pages (``/_sandbox/banque/<ref>``): no portal login, the ref is the secret.

Once the bank decides, it notifies the portal's server (a job) and sends the browser back to the
portal's return page, both with the signed outcome.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for

from portal.core.credits.ledger import euros
from portal.core.credits.payments import sandbox
from portal.core.credits.payments.forms import CardForm, SecureCodeForm, card_digits
from portal.core.jobs import enqueue
from portal.core.web.pipeline import Access, handler

blueprint = Blueprint("sandbox_bank", __name__, url_prefix="/_sandbox/banque")


def _open(ref: str) -> tuple[sandbox.SandboxTransaction, bool]:
    """The bank's session and whether it was already decided before this request."""
    bank = sandbox.transaction(ref, lock=True)
    if bank is None:
        abort(404)
    decided = bank.final
    sandbox.expire_if_abandoned(bank)
    return bank, decided


def _finish(bank: sandbox.SandboxTransaction, notify: bool = True):
    """Notify the merchant's server (once, when the bank decides), then send the customer back
    to the merchant."""
    from portal.core.credits.payments.jobs import notify_merchant

    fields = bank.outcome().as_fields()
    if notify:
        enqueue(notify_merchant, fields)
    return redirect(f"{url_for('credits.payment_return')}?{urlencode(fields)}")


def _page(template: str, bank, form, status: int = 200):
    return render_template(
        f"sandbox_bank/{template}", bank=bank, form=form, amount=euros(bank.amount_cents)
    ), status


@handler(Access.ANONYMOUS)
def card(ref: str):
    bank, decided = _open(ref)
    if bank.final:
        return _finish(bank, notify=not decided)
    if bank.status == sandbox.BankStatus.AUTHENTICATING:
        return redirect(url_for(".secure_code", ref=ref))
    form = CardForm()
    if not form.is_submitted():
        return _page("card.html", bank, form)
    if _cancelled():
        sandbox.cancel(bank)
        return _finish(bank)
    if not form.validate():
        return _page("card.html", bank, form, 400)
    sandbox.decide(bank, card_digits(form.number.data))
    if bank.status == sandbox.BankStatus.AUTHENTICATING:
        return redirect(url_for(".secure_code", ref=ref))
    return _finish(bank)


@handler(Access.ANONYMOUS)
def secure_code(ref: str):
    bank, decided = _open(ref)
    if bank.final:
        return _finish(bank, notify=not decided)
    if bank.status != sandbox.BankStatus.AUTHENTICATING:
        return redirect(url_for(".card", ref=ref))
    form = SecureCodeForm()
    if form.is_submitted():
        if _cancelled():
            sandbox.cancel(bank)
            return _finish(bank)
        if form.validate():
            sandbox.authenticate(bank, form.code.data)
            return _finish(bank)
        return _page("secure_code.html", bank, form, 400)
    return _page("secure_code.html", bank, form)


def _cancelled() -> bool:
    return request.form.get("action") == "cancel"


blueprint.add_url_rule("/<ref>", "card", card, methods=["GET", "POST"])
blueprint.add_url_rule("/<ref>/3d-secure", "secure_code", secure_code, methods=["GET", "POST"])
