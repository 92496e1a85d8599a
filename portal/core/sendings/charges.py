"""What a sending costs: its price lines (given by the plugin that creates it) charged through
the ledger when it is validated, once (key ``sending:<reference>``), refunded once when it is
cancelled or fails before leaving, and put on the month's invoice once handed over."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.credits import ledger
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.plugins import PricedItem
from portal.extensions import db


def charge_key(sending) -> str:
    return f"sending:{sending.reference}"


def items(sending) -> list[PricedItem]:
    """The sending's price lines as priced items (a negative line is a discount)."""
    return [
        PricedItem(
            line["code"],
            line["label"],
            int(line["amount_cents"]),
            vat_rate_bp=int(line.get("vat_rate", 2000)),
            discount=int(line["amount_cents"]) < 0,
        )
        for line in (sending.price_lines or [])
    ]


def _account(sending):
    from portal.core.accounts.models import Account

    return db.session.get(Account, sending.account_id)


def charge_sending(sending) -> None:
    """Debit the sending's price from its account, once (the ledger's idempotency key is the
    sending's reference: a second validation, a double click or a retried job debit nothing
    more). A free sending debits nothing. ``InsufficientCredit`` propagates (nothing changed)."""
    if sending.charged:
        return
    if sending.price_cents > 0:
        ledger.charge_items(
            _account(sending),
            items(sending),
            reason=f"{sending.title} ({sending.reference})"[:300],
            idempotency_key=charge_key(sending),
            subject=sending,
        )
    sending.charged = True


def charge_entry(sending) -> LedgerEntry | None:
    """The ledger entry that paid for the sending, if it was charged."""
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == sending.account_id,
            LedgerEntry.idempotency_key == charge_key(sending),
            LedgerEntry.kind == EntryKind.CHARGE,
        )
    )


def refund_sending(sending, *, actor_label: str | None = None) -> bool:
    """Give the charge back (cancelled, or refused by the operator before it left), once: the
    ledger keys the refund on the charge. True if there was a charge to give back."""
    entry = charge_entry(sending) if sending.charged else None
    if entry is None:
        return False
    ledger.refund(
        entry,
        reason=f"Remboursement : {entry.reason}"[:300],
        actor_label=actor_label or f"envoi {sending.reference}",
    )
    return True


def consume_sending(sending, consumed_at) -> None:
    """The sending left: its lines go on the invoice of the month it was handed over in
    (idempotent)."""
    entry = charge_entry(sending) if sending.charged else None
    if entry is None:
        return
    ledger.record_consumption(
        entry, lines=ledger.item_lines(items(sending)), consumed_at=consumed_at
    )
