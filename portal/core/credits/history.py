"""« Historique du crédit » (``credits.history``, ``/compte/credits/historique``): every movement
of the account's credit, newest first, ten a page, each with what it paid for and its billing
document (:mod:`portal.core.credits.links`) and the balance after it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core.accounts.session import current_account
from portal.core.credits.ledger import balance_cents
from portal.core.credits.links import EntryLink, document_for, link_for
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.pagination import Page, page_of
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

KIND_LABELS = {
    EntryKind.PURCHASE: _l("Achat de crédits"),
    EntryKind.CHARGE: _l("Débit"),
    EntryKind.REFUND: _l("Remboursement"),
    EntryKind.FEE: _l("Frais"),
    EntryKind.ADJUSTMENT: _l("Ajustement"),
    EntryKind.PAYOUT: _l("Restitution du crédit"),
}


@dataclass(frozen=True)
class HistoryRow:
    entry: LedgerEntry
    kind: str
    subject: EntryLink | None
    document: EntryLink | None
    balance_after: int


def history_page(account_id: int, number: int) -> Page:
    """One page of the account's movements; ``page.rows`` are :class:`HistoryRow` s."""
    mine = LedgerEntry.account_id == account_id
    page = page_of(select(LedgerEntry).where(mine).order_by(LedgerEntry.id.desc()), number)
    entries = page.items
    rows = []
    if entries:
        # The balance after the page's newest entry: today's minus every newer movement.
        newer = db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                mine, LedgerEntry.id > entries[0].id
            )
        )
        running = balance_cents(account_id) - int(newer)
        for entry in entries:
            rows.append(
                HistoryRow(
                    entry=entry,
                    kind=str(KIND_LABELS.get(entry.kind, entry.kind.value)),
                    subject=link_for(entry),
                    document=document_for(entry) if entry.subject_type != "Payment" else None,
                    balance_after=running,
                )
            )
            running -= entry.amount_cents
    page.rows = rows
    return page


@handler(Access.HOLDER)
def history():
    from portal.core.accounts.kinds import account_area

    if not account_area(current_tenant()).credit:
        abort(404)
    account = current_account()
    page = history_page(account.id, request.args.get("page", 1, type=int))
    return render_template("credits/history.html", page=page, balance=balance_cents(account.id))
