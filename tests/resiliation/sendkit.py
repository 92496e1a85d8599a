"""Helpers of the tests that validate and send letters (``test_sending_*``, the lists', the
browser's): an account allowed to send, a letter ready to go, validating it through its page, the
scheduler's minute, the development mailbox."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from letterkit import make_insurer, make_letter
from sqlalchemy import func, select

from plugins.resiliation import sending as sending_part
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import PARIS, SendType
from portal.core import clock
from portal.core.accounts.models import Account
from portal.core.credits.ledger import adjust, balance_cents
from portal.core.jobs import drain
from portal.core.sendings.models import Sending
from portal.core.sendings.operators.base import SendingState
from portal.core.tenants import tenant_scope, unscoped
from portal.core.verification.models import (
    IdentityVerification,
    VerificationStatus,
)
from portal.extensions import db
from portal.testing.accounts import allow_sending
from portal.testing.web import csrf_token

READY = datetime(2021, 1, 1, tzinfo=UTC)
numbers = itertools.count(1)


def text(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", html)
    plain = plain.replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def freezer(monkeypatch):
    """What the ``at`` fixture gives (other modules make their own fixture of it)."""
    today = datetime.now(PARIS).date()

    def freeze(days=0, hour=10, minute=0):
        day = today + timedelta(days=days)
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))
        return moment

    return freeze


def allowed(app, account, *, credit: int = 5000, identified: bool = False) -> None:
    """``account`` may send: a verified ORIAS certificate, the platform mandate signed, credit;
    its holder strongly identified when ``identified``."""
    allow_sending(app, account)
    if identified:
        with app.app_context(), tenant_scope(account.tenant_id):
            db.session.add(
                IdentityVerification(
                    account_id=account.id,
                    provider="sandbox",
                    status=VerificationStatus.VERIFIED,
                    started_at=datetime.now(UTC),
                    completed_at=datetime.now(UTC),
                )
            )
            db.session.commit()
    if credit:
        give_credit(app, account, credit)


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (no tenant, unscoped), then what it queued."""
    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)


def mails_to(app, tenant_id: int, address: str) -> list:
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = list(
            db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def link_in(message) -> str:
    """The recipient page's path in the sandbox operator's notification."""
    return re.search(r"https?://[^/\s]+(/_sandbox/lre/[\w-]+)", message.body_text).group(1)


def give_credit(app, account, cents: int) -> None:
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            cents,
            reason="crédit de test",
            idempotency_key=f"test-sending-{account.id}-{next(numbers)}",
            actor_label="test",
        )
        db.session.commit()


def balance(app, account) -> int:
    with app.app_context(), tenant_scope(account.tenant_id):
        return balance_cents(account.id)


def ready_letter(app, account, *, email="resiliation+accepte@maaf.example", days=0, **fields):
    """A letter « sans mandat », its dates chosen (send ``days`` after today) and confirmed."""
    insurer = make_insurer(
        app,
        account.tenant_id,
        name=f"Assureur envoi {next(numbers)}",
        lre_email=email,
        recipient_identified=fields.pop("recipient_identified", True),
    )
    values = {
        "mandate_kind": MandateKind.NONE,
        "mandate_ready_at": READY,
        "send_type": SendType.LRAR,
        "send_date": clock.now().astimezone(PARIS).date() + timedelta(days=days),
        "dates_confirmed_at": clock.now(),
        **fields,
    }
    return make_letter(app, account, insurer_id=insurer, **values)


def stored(app, account, letter_id) -> dict:
    with app.app_context(), tenant_scope(account.tenant_id):
        letter = db.session.get(Letter, letter_id)
        sending = letter.sending
        count = db.session.scalar(
            select(func.count(Sending.id)).where(
                Sending.subject_type == "Letter", Sending.subject_id == letter_id
            )
        )
        return {
            "state": letter.state,
            "review": letter.review,
            "send_date": letter.send_date,
            "sending": sending and sending.reference,
            "sending_state": sending and sending.state,
            "held_for": sending and sending.held_for,
            "due_at": sending and clock.aware(sending.due_at),
            "qualified": sending and sending.options.get("qualified"),
            "documents": sending and [d.filename for d in sending.documents],
            "price": sending and sending.price_cents,
            "sendings": count,
        }


def state_of(app, account, reference: str) -> SendingState:
    """The state of a sending (a letter not claimed may be sent again: a new sending)."""
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.scalar(select(Sending.state).where(Sending.reference == reference))


def confirm_url(letter_id: int) -> str:
    return f"/resiliation/lettres/{letter_id}/confirmer"


def letter_url(letter_id: int) -> str:
    return f"/resiliation/lettres/{letter_id}"


def validate(client, letter_id: int):
    """« Valider et envoyer » on the confirmation page, the box ticked."""
    token = csrf_token(client.get(confirm_url(letter_id)).get_data(as_text=True))
    return client.post(confirm_url(letter_id), data={"csrf_token": token, "confirm": "y"})


def post_with_token(client, letter_id: int, path: str, data: dict | None = None):
    """POST ``path`` with the session's CSRF token (taken from the letter page)."""
    token = csrf_token(client.get(letter_url(letter_id)).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def approve(app, account, letter_id) -> None:
    with app.app_context(), tenant_scope(account.tenant_id):
        letter = db.session.get(Letter, letter_id)
        sending_part.approve_review(letter, "support@test")
        db.session.commit()


def sent_letter(app, account, client, **fields) -> int:
    """A letter validated now (its review approved when it is the account's first), then the
    scheduler's minute: handed over to the sandbox."""
    from portal.core.sendings.jobs import dispatch_due

    letter_id = ready_letter(app, account, **fields)
    assert validate(client, letter_id).status_code == 302
    approve(app, account, letter_id)
    run_periodic(app, dispatch_due)
    return letter_id
