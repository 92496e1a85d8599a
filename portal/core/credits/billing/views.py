"""The holder's billing page: balance, receipts and monthly invoices, and their PDFs."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template, request
from sqlalchemy import func, select

from portal.core.accounts.session import current_account
from portal.core.credits.ledger import balance_cents
from portal.core.credits.models import BillingDocument, DocumentType
from portal.core.storage import send_stored_file
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PER_PAGE = 10


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int
    arg: str  # the query argument of this table's page: tables page independently


def _page(account_id: int, kinds: tuple[DocumentType, ...], arg: str) -> Page:
    mine = (BillingDocument.account_id == account_id, BillingDocument.type.in_(kinds))
    total = db.session.scalar(select(func.count(BillingDocument.id)).where(*mine))
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(1, request.args.get(arg, 1, type=int)), pages)
    items = db.session.scalars(
        select(BillingDocument)
        .where(*mine)
        .order_by(BillingDocument.issued_on.desc(), BillingDocument.id.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return Page(list(items), number, pages, total, arg)


@handler(Access.HOLDER)
def billing():
    account = current_account()
    return render_template(
        "credits/billing/billing.html",
        balance=balance_cents(account.id),
        buy_endpoint="credits.buy" if "credits.buy" in current_app.view_functions else None,
        receipts=_page(account.id, (DocumentType.RECEIPT,), "recus"),
        # The closure statement is the invoice of the refund fee: listed with the invoices.
        invoices=_page(
            account.id, (DocumentType.MONTHLY_INVOICE, DocumentType.REFUND_STATEMENT), "factures"
        ),
    )


@handler(Access.HOLDER, load={"document_id": BillingDocument})
def billing_document(document: BillingDocument):
    """A receipt or invoice of the account (another's, or one not yet stored: 404)."""
    if not document.storage_key:
        abort(404)
    return send_stored_file(
        document.storage_key, f"{document.number}.pdf", mimetype="application/pdf"
    )
