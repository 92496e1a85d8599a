"""The sandbox bank: a bank that runs inside the portal for development, demos and tests.

It keeps its own books (``SandboxTransaction``, one per payment reference, not tenant data: the
bank is outside the portal) and decides with test cards:

* ``4000 0000 0000 0002`` accepted;
* ``4000 0000 0000 0069`` declined by the bank;
* ``4000 0000 0000 3220`` asks for 3-D Secure (code ``123456``);
* any other valid number is declined as unknown; an invalid one (Luhn) is refused on the form.
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import BigInteger, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.core.credits.payments.provider import Outcome, outcome_from
from portal.extensions import db, str_enum

CARD_OK = "4000000000000002"
CARD_DECLINED = "4000000000000069"
CARD_3DS = "4000000000003220"
OTP_OK = "123456"
# A bank page left open this long is closed by the bank: the payment is then declined.
SESSION_LIFETIME = timedelta(hours=1)


class BankStatus(enum.StrEnum):
    PENDING = "pending"
    AUTHENTICATING = "authenticating"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"


class SandboxTransaction(db.Model):
    """The sandbox bank's record of one payment session."""

    __tablename__ = "sandbox_bank_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    merchant: Mapped[str] = mapped_column(String(200))
    status: Mapped[BankStatus] = mapped_column(str_enum(BankStatus, 16))
    reason: Mapped[str | None] = mapped_column(String(300))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def final(self) -> bool:
        return self.status in (BankStatus.SUCCEEDED, BankStatus.DECLINED)

    def outcome(self) -> Outcome:
        return Outcome(self.ref, self.status == BankStatus.SUCCEEDED, self.reason or "")


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 13 <= len(number) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def transaction(ref: str, *, lock: bool = False) -> SandboxTransaction | None:
    query = select(SandboxTransaction).where(SandboxTransaction.ref == ref)
    return db.session.scalar(query.with_for_update() if lock else query)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns naive UTC


def expire_if_abandoned(bank: SandboxTransaction) -> None:
    if not bank.final and now() - _aware(bank.created_at) > SESSION_LIFETIME:
        bank.status = BankStatus.DECLINED
        bank.reason = _("Délai de paiement dépassé.")


def decide(bank: SandboxTransaction, number: str) -> None:
    """The bank's answer to a valid card number."""
    bank.card_last4 = number[-4:]
    if number == CARD_3DS:
        bank.status = BankStatus.AUTHENTICATING
    elif number == CARD_OK:
        bank.status = BankStatus.SUCCEEDED
    elif number == CARD_DECLINED:
        bank.status, bank.reason = BankStatus.DECLINED, _("Paiement refusé par votre banque.")
    else:
        bank.status, bank.reason = BankStatus.DECLINED, _("Carte inconnue de la banque.")


def authenticate(bank: SandboxTransaction, code: str) -> None:
    if code.strip() == OTP_OK:
        bank.status = BankStatus.SUCCEEDED
    else:
        bank.status = BankStatus.DECLINED
        bank.reason = _("Échec de l'authentification 3-D Secure.")


def cancel(bank: SandboxTransaction) -> None:
    bank.status, bank.reason = BankStatus.DECLINED, _("Paiement annulé.")


class SandboxProvider:
    """The ``PaymentProvider`` backed by the sandbox bank."""

    name = "sandbox"

    def start(self, payment) -> str:
        from portal.core.tenants import current_tenant

        ref = f"SBX-{secrets.token_urlsafe(18)}"  # the bank page's only secret
        payment.provider_ref = ref
        db.session.add(
            SandboxTransaction(
                ref=ref,
                amount_cents=payment.amount_cents,
                merchant=current_tenant().name,
                status=BankStatus.PENDING,
                created_at=now(),
            )
        )
        db.session.flush()
        return url_for("sandbox_bank.card", ref=ref)

    def handle_return(self, request) -> Outcome:
        return outcome_from(request.args)

    def verify_notification(self, request) -> Outcome:
        return outcome_from(request.form)

    def status(self, ref: str) -> Outcome | None:
        bank = transaction(ref, lock=True)
        if bank is None:
            return Outcome(ref, False, _("Paiement inconnu de la banque."))
        expire_if_abandoned(bank)
        return bank.outcome() if bank.final else None
