"""Receipts (one per purchase) and monthly consumption invoices, numbered, with their PDF.

Both run inside the caller's transaction (they flush, never commit); the PDF is stored under
the document number, so a retried transaction that takes the same number again overwrites it.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.accounts.letterhead import letterhead_lines
from portal.core.accounts.models import Account
from portal.core.clock import now
from portal.core.credits.billing.amounts import split_vat, vat_breakdown
from portal.core.credits.billing.numbering import next_number
from portal.core.credits.models import BillingDocument, Consumption, DocumentType, Payment
from portal.core.pdf import render_pdf
from portal.core.storage import storage, tenant_key
from portal.core.tenants import CurrentTenant, active_tenant_id, tenant_directory, tenant_scope
from portal.extensions import db

RECEIPT_SERIES = "R"
INVOICE_SERIES = "M"
STATEMENT_SERIES = "C"


def _tenant() -> CurrentTenant:
    tenant = tenant_directory().get(active_tenant_id())
    if tenant is None:
        raise RuntimeError("billing documents need an active, configured tenant")
    return tenant


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store_pdf(tenant: CurrentTenant, document: BillingDocument, template: str, **context) -> None:
    account = db.session.get(Account, document.account_id)
    pdf = render_pdf(
        template,
        tenant=tenant,
        document=document,
        recipient=letterhead_lines(account),
        letter_date=document.issued_on,
        # The seller's VAT number and the customer's SIREN, on every billing document.
        seller_vat_number=tenant.config.legal.vat_number,
        customer_siren=_siren(account),
        **context,
    )
    key = tenant_key(tenant.id, "billing", f"{document.number}.pdf")
    storage().put(key, pdf, "application/pdf")
    document.storage_key = key


def _siren(account: Account) -> str | None:
    """``123456789`` → ``123 456 789`` (the account's SIREN, when it has one)."""
    value = getattr(account, "siren", None)
    if not value:
        return None
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 9 else value


# --- Receipts ------------------------------------------------------------------------------------


def issue_receipt(payment: Payment) -> BillingDocument:
    """The receipt of a credited payment, once per payment (a second call returns it)."""
    existing = _receipt_of(payment)
    if existing is not None:
        return existing
    tenant = _tenant()
    paid_at = _aware(payment.completed_at or payment.created_at or now())
    try:
        with db.session.begin_nested():  # a parallel call for the same payment gives way
            document = BillingDocument(
                account_id=payment.account_id,
                type=DocumentType.RECEIPT,
                number=next_number(RECEIPT_SERIES),
                issued_on=paid_at.astimezone(ZoneInfo(tenant.config.timezone)).date(),
                total_cents=payment.amount_cents,
                # Buying credit is a prepayment: VAT is stated on the consumption invoices.
                vat_breakdown={},
                payment_id=payment.id,
            )
            db.session.add(document)
            db.session.flush()
    except IntegrityError:
        return _receipt_of(payment)
    subject = _("Reçu de paiement n° %(number)s", number=document.number)
    _store_pdf(tenant, document, "pdf/billing/receipt.html", payment=payment, subject=subject)
    db.session.flush()
    return document


def _receipt_of(payment: Payment) -> BillingDocument | None:
    return db.session.scalar(
        select(BillingDocument).where(BillingDocument.payment_id == payment.id)
    )


# --- Monthly invoices ----------------------------------------------------------------------------


def month_bounds(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The month ``[start, end)`` in the tenant's time zone, as UTC instants (stored times are
    UTC: an item sent on the 31st at 23:30 Paris time belongs to that month)."""
    zone = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    following = date(year + month // 12, month % 12 + 1, 1)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def issue_monthly_invoices(tenant_id: int, year: int, month: int) -> list[BillingDocument]:
    """One paid invoice per account that consumed something in ``year-month``; nothing for an
    account that sent nothing. Safe to run twice: invoiced items are never listed again."""
    with tenant_scope(tenant_id):
        tenant = _tenant()
        start, end = month_bounds(year, month, tenant.config.timezone)
        in_month = (
            Consumption.consumed_at >= start,
            Consumption.consumed_at < end,
            Consumption.invoice_id.is_(None),
        )
        account_ids = db.session.scalars(
            select(Consumption.account_id)
            .where(*in_month)
            .distinct()
            .order_by(Consumption.account_id)
        ).all()
        issued = []
        for account_id in account_ids:
            document = _issue_invoice(tenant, account_id, in_month, year, month)
            if document is not None:
                issued.append(document)
        return issued


def _issue_invoice(tenant, account_id, in_month, year, month) -> BillingDocument | None:
    # Locked: a parallel run waits, then finds these lines invoiced and skips them.
    lines = db.session.scalars(
        select(Consumption)
        .where(Consumption.account_id == account_id, *in_month)
        .order_by(Consumption.consumed_at, Consumption.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    lines = [line for line in lines if line.invoice_id is None]
    if not lines:
        return None
    first_day = date(year, month, 1)
    document = BillingDocument(
        account_id=account_id,
        type=DocumentType.MONTHLY_INVOICE,
        number=next_number(INVOICE_SERIES),
        issued_on=date(year + month // 12, month % 12 + 1, 1),
        period_start=first_day,
        period_end=first_day.replace(day=monthrange(year, month)[1]),
        total_cents=sum(line.amount_cents for line in lines),
        vat_breakdown=vat_breakdown((line.amount_cents, line.vat_rate_bp) for line in lines),
    )
    db.session.add(document)
    db.session.flush()
    for line in lines:
        line.invoice_id = document.id
    zone = ZoneInfo(tenant.config.timezone)
    rows = [
        {
            "consumed_on": _aware(line.consumed_at).astimezone(zone).date(),
            "label": line.label,
            "vat_rate_bp": line.vat_rate_bp,
            "base_cents": split_vat(line.amount_cents, line.vat_rate_bp)[0],
            "amount_cents": line.amount_cents,
        }
        for line in lines
    ]
    subject = _("Facture mensuelle n° %(number)s", number=document.number)
    _store_pdf(tenant, document, "pdf/billing/invoice.html", lines=rows, subject=subject)
    db.session.flush()
    return document


# --- Closure refund statement ---------------------------------------------------------------------


def issue_refund_statement(request, account: Account, fee_item) -> BillingDocument:
    """At closure: the invoice of the refund fee (with its VAT) and the statement of the credit
    paid back, numbered in series C. Once per request (the request keeps its id)."""
    if request.statement_id:
        return db.session.get(BillingDocument, request.statement_id)
    tenant = _tenant()
    document = BillingDocument(
        account_id=account.id,
        type=DocumentType.REFUND_STATEMENT,
        number=next_number(STATEMENT_SERIES),
        issued_on=now().astimezone(ZoneInfo(tenant.config.timezone)).date(),
        total_cents=request.fee_cents,
        vat_breakdown=vat_breakdown([(request.fee_cents, fee_item.vat_rate_bp)]),
    )
    db.session.add(document)
    db.session.flush()
    base, _vat = split_vat(request.fee_cents, fee_item.vat_rate_bp)
    subject = _(
        "Clôture du compte : facture des frais et décompte de remboursement n° %(number)s",
        number=document.number,
    )
    _store_pdf(
        tenant,
        document,
        "pdf/billing/refund_statement.html",
        subject=subject,
        refund=request,
        fee_label=str(fee_item.label),
        fee_rate_bp=fee_item.vat_rate_bp,
        fee_base_cents=base,
    )
    db.session.flush()
    return document
