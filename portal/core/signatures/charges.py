"""What an e-signature costs: the core's « Signature électronique » priced item, charged through
the ledger when a procedure starts (once, whatever retries or double clicks), refunded once when
it ends in a state the asking plugin's rule names (``refund_on``), else put on the month's
invoice when it ends."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.credits import ledger
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.plugins import PricedItem
from portal.extensions import db

E_SIGNATURE = "e_signature"
# JRMC manual §5: « Mon client signe de manière électronique (+1.5 €) ».
DEFAULT_PRICE_CENTS = 150


def priced_items(tenant) -> list[PricedItem]:
    """The core's priced item: 1.50 € incl. VAT unless the tenant's ``[prices]`` says
    ``e_signature = <cents>``. Plugins charge it (or their own item) with ``SignatureCharge``."""
    return [PricedItem(E_SIGNATURE, _l("Signature électronique"), DEFAULT_PRICE_CENTS)]


def charge_key(procedure) -> str:
    return f"signature:{procedure.reference}"


def _tenant(procedure):
    from portal.core.tenants import tenant_directory

    return tenant_directory().get(procedure.tenant_id)


def _account(procedure):
    from portal.core.accounts.models import Account

    return db.session.get(Account, procedure.account_id)


def charge_procedure(procedure) -> None:
    """Debit the procedure's price (its ``price_code`` in the tenant's price list) from its
    account, once: the ledger's idempotency key is the procedure's reference. No price code,
    nothing to pay. ``InsufficientCredit`` propagates (the caller shows it; nothing changed)."""
    if not procedure.price_code or procedure.charged:
        return
    from portal.core.pricing import price_list

    prices = price_list(_tenant(procedure))
    item = prices.get(procedure.price_code)
    if item is None:
        raise LookupError(
            f"procedure {procedure.reference}: no priced item {procedure.price_code!r} "
            "on this tenant (is its plugin enabled?)"
        )
    if item.price_cents > 0:
        ledger.charge_items(
            _account(procedure),
            [item],
            reason=f"{item.label} — {procedure.title} ({procedure.reference})"[:300],
            idempotency_key=charge_key(procedure),
            subject=procedure,
        )
    procedure.charged = True


def charge_entry(procedure) -> LedgerEntry | None:
    """The ledger entry that paid for the procedure, if it was charged."""
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == procedure.account_id,
            LedgerEntry.idempotency_key == charge_key(procedure),
            LedgerEntry.kind == EntryKind.CHARGE,
        )
    )


def refund_procedure(procedure, outcome: str) -> bool:
    """Give the charge back when the procedure ended in ``outcome`` and its rule refunds that
    outcome (never a signed one); once (the ledger keys the refund on the charge). True if the
    charge is (now or already) refunded."""
    outcome = str(outcome)
    if not procedure.charged or outcome == "signed" or outcome not in (procedure.refund_on or []):
        return False
    entry = charge_entry(procedure)
    if entry is None:  # a free item (0 €): nothing was debited
        return False
    ledger.refund(
        entry,
        reason=f"Remboursement : {entry.reason}"[:300],
        actor_label=f"signature {procedure.reference}",
    )
    return True


def consume_procedure(procedure, consumed_at) -> None:
    """The charge is kept (signed, or an outcome the rule does not refund): it goes on the
    invoice of the month it ended in (idempotent)."""
    entry = charge_entry(procedure) if procedure.charged else None
    if entry is None:
        return
    ledger.record_consumption(entry, label=entry.reason, consumed_at=consumed_at)
