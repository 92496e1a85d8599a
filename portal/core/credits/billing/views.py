"""The holder's billing page: balance, receipts and monthly invoices, and their PDFs."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from sqlalchemy import select

from portal.core.accounts.session import current_account
from portal.core.credits.ledger import balance_cents
from portal.core.credits.models import BillingDocument, DocumentType
from portal.core.pagination import Page, page_of
from portal.core.storage import send_stored_file
from portal.core.web.pipeline import Access, handler


def _page(account_id: int, kinds: tuple[DocumentType, ...], arg: str) -> Page:
    """One table's page; ``arg`` names it in the query string (the tables page apart)."""
    statement = (
        select(BillingDocument)
        .where(BillingDocument.account_id == account_id, BillingDocument.type.in_(kinds))
        .order_by(BillingDocument.issued_on.desc(), BillingDocument.id.desc())
    )
    return page_of(statement, request.args.get(arg, 1, type=int), arg=arg)


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
