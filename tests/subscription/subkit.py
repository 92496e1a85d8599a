"""The subscription tests' kit: a quote issued without the wizard, rows read back, the emails
and SMS the sandbox boxes received, jobs drained."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.core.jobs import drain
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

# A household the horizon-monde product takes (Europe, CFE), and the client's details.
CLIENT = {
    "civility": "m",
    "last_name": "Durand",
    "birth_name": "",
    "first_name": "Paul",
    "birth_date": date(1981, 4, 12),
    "address": "12 rue des Lilas",
    "address_complement": "",
    "postal_code": "17000",
    "city": "La Rochelle",
    "country": "FR",
    "email": "paul.durand@example.org",
    "mobile": "+33612345678",
}


def quote_values(**overrides):
    """``QuoteValues`` for horizon-monde (formula HMO200, no option) with ``overrides``;
    ``client=`` merges into :data:`CLIENT`."""
    from plugins.subscription.quotes import QuoteValues

    client = {**CLIENT, **overrides.pop("client", {})}
    values = {
        "product_code": "horizon-monde",
        "needs": {
            need: "median" for need in ("optical", "dental", "hearing", "hospital", "fee_overruns")
        },
        "effective_date": date(2027, 1, 1),
        "regime": "cfe",
        "postal_code": client["postal_code"],
        "city": client["city"],
        "country": client["country"],
        "birth_date": client["birth_date"],
        "spouse_birth_date": None,
        "children": 0,
        "formula_code": "HMO200",
        "options": (),
        "client": client,
        **overrides,
    }
    return QuoteValues(**values)


def issue(app, account, previous_id: int | None = None, **overrides) -> int:
    """Issue a quote for ``account`` (its holder profile) as the wizard's end does; its id.
    ``previous_id``: issue the next version of that quote (« Modifier »)."""
    from plugins.subscription.models import Quote
    from plugins.subscription.quotes import issue_quote
    from portal.core.accounts.models import Account, Profile

    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        profile = db.session.scalar(select(Profile).where(Profile.account_id == account.id))
        previous = db.session.get(Quote, previous_id) if previous_id else None
        quote = issue_quote(
            quote_values(**overrides), account=row, profile=profile, previous=previous
        )
        db.session.commit()
        return quote.id


def stored(app, tenant_id: int, model, row_id: int) -> dict:
    """A row's columns as a dict (read fresh)."""
    with app.app_context(), tenant_scope(tenant_id):
        row = db.session.get(model, row_id)
        values = {c.key: getattr(row, c.key) for c in model.__table__.columns} if row else {}
        db.session.remove()
        return values


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (unscoped), then what it queued."""
    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)


def mails_to(app, tenant_id: int, address: str) -> list:
    """The emails the sandbox mailbox received for ``address`` (jobs drained first)."""
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


def attachments_of(message) -> dict[str, bytes]:
    """An email's attachments by file name."""
    from email import message_from_bytes, policy

    parsed = message_from_bytes(message.raw, policy=policy.default)
    return {part.get_filename(): part.get_content() for part in parsed.iter_attachments()}


def subscription_link(message) -> str:
    """The path of the subscription link in a quote email."""
    return re.search(r"https?://[^/\s]+(/souscription/s/[\w-]+)", message.body_text).group(1)


def sms_code(app, tenant_id: int, mobile: str = CLIENT["mobile"]) -> str:
    """The last signature code the sandbox SMS box received for ``mobile``."""
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        texts = db.session.scalars(
            select(DevboxMessage.body_text)
            .where(DevboxMessage.kind == "sms", DevboxMessage.recipients.contains(mobile))
            .order_by(DevboxMessage.id.desc())
        ).all()
    return re.search(r"\b(\d{6})\b", texts[0]).group(1)
