"""Helpers of the online-subscription browser test: the client's social-security number, a
supporting document, the links read in the sandbox mailbox, the contract's row."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path

# The subscription tests' kit (sandbox mailbox and SMS box), also when this folder runs alone.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "subscription"))

from subkit import attachments_of, mails_to, sms_code, subscription_link  # noqa: E402

__all__ = [
    "attachments_of",
    "contract_of",
    "first_of_next_month",
    "identity_pdf",
    "mails_to",
    "nir_for",
    "path_in",
    "sms_code",
    "subscription_link",
]


def nir_for(birth_date: date, civility: str = "m", place: str = "17300", order: str = "123") -> str:
    """A valid social-security number (15 digits) of a person of that civility born that month
    in ``place`` (department and commune)."""
    from plugins.subscription.checks import nir_key

    first13 = f"{1 if civility == 'm' else 2}{birth_date:%y%m}{place}{order}"
    return f"{first13}{nir_key(first13):02d}"


def first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def identity_pdf() -> bytes:
    """A one-page PDF standing for the client's identity card."""
    from weasyprint import HTML

    return HTML(
        string="<h1>Carte nationale d'identité</h1><p>DURAND Paul, né le 12/04/1981.</p>"
    ).write_pdf()


def path_in(text: str, prefix: str) -> str:
    """The path of the first link of ``text`` under ``prefix``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s\"<>]*)", text)
    assert match, f"no link {prefix} in: {text[:400]}"
    return match.group(1)


def contract_of(app, tenant_id: int, email: str) -> tuple[int, str]:
    """The id and the progress of the contract of the client of ``email``."""
    from sqlalchemy import select

    from plugins.subscription.models import Client, Contract
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        contract = db.session.scalars(
            select(Contract)
            .join(Client, Client.id == Contract.client_id)
            .where(Client.email == email)
        ).one()
        return contract.id, contract.progress


def in_french(target) -> None:
    """Every page ``target`` (a page or a browser context) opens asks for French (``?lang=fr``):
    the flow's assertions read the French interface of horizon, an English-first tenant."""

    def add_lang(route):
        url = route.request.url
        if route.request.resource_type != "document" or "lang=" in url:
            return route.continue_()
        return route.continue_(url=url + ("&" if "?" in url else "?") + "lang=fr")

    target.route("**/*", add_lang)


def months_of_premiums(app, tenant_id: int, contract_id: int, months: int = 2) -> tuple[int, str]:
    """``months`` later: the contract took effect on the first day ``months`` months ago and its
    premiums were called and debited by the daily job; (the client's id, a month's premium as
    typed: « 51,74 »)."""
    from sqlalchemy import update

    from plugins.subscription import premiums
    from plugins.subscription.models import Contract
    from portal.core import clock
    from portal.core.tenants import tenant_directory, tenant_scope
    from portal.extensions import db

    start = date.today().replace(day=1)
    for _ in range(months):
        start = (start - timedelta(days=1)).replace(day=1)
    with app.app_context(), tenant_scope(tenant_id):
        db.session.execute(
            update(Contract).where(Contract.id == contract_id).values(effective_date=start)
        )
        premiums.call_premiums(clock.today(tenant_directory().by_id(tenant_id)))
        contract = db.session.get(Contract, contract_id)
        typed = f"{contract.monthly_cents // 100},{contract.monthly_cents % 100:02d}"
        client_id = contract.client_id
        db.session.commit()
    return client_id, typed
