"""Hook implementations of the credits module (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, PricedItem, ReadinessItem, hookimpl

IDENTITY_VERIFICATION = "identity_verification"
CLOSURE_FEE = "closure_refund_fee"


@hookimpl
def priced_items(tenant):
    return [
        PricedItem(IDENTITY_VERIFICATION, _l("Vérification d'identité forte (eIDAS)"), 1440),
        # 25 € excl. VAT (30 € incl.), charged when remaining credit is paid back at closure.
        PricedItem(CLOSURE_FEE, _l("Frais de restitution du crédit"), 3000),
    ]


@hookimpl
def account_menu_items(tenant, account, profile):
    """« Achat de crédits », « Historique du crédit » and « Facturation » wherever the tenant's
    accounts have credit."""
    from portal.core.accounts.kinds import account_area

    if not account_area(tenant).credit:
        return []
    return [
        NavItem(label=_l("Achat de crédits"), endpoint="credits.buy", order=20),
        NavItem(label=_l("Historique du crédit"), endpoint="credits.history", order=25),
        NavItem(label=_l("Facturation"), endpoint="credits.billing", order=30),
    ]


@hookimpl
def account_readiness(tenant, account):
    """Credit, where the tenant's accounts pay for what they send (none on a member space)."""
    from portal.core.accounts.kinds import account_area
    from portal.core.credits.ledger import balance_cents

    if not account_area(tenant).credit:
        return []
    has_credit = account is not None and balance_cents(account.id) > 0
    return [
        ReadinessItem(
            "credits.balance",
            _l("Crédit disponible sur le compte"),
            has_credit,
            endpoint="credits.buy",
            order=20,
        )
    ]


@hookimpl
def on_identity_verification_started(tenant, account, verification):
    """The verification is paid when it starts, whatever its outcome, and goes on that month's
    invoice with its VAT; without enough credit it does not start."""
    from portal.core.credits.ledger import charge, record_consumption
    from portal.core.pricing import price_list

    item = price_list(tenant)[IDENTITY_VERIFICATION]
    entry = charge(
        account,
        item.price_cents,
        reason=str(item.label),
        idempotency_key=f"identity:{verification.id}",
        vat_rate_bp=item.vat_rate_bp,
        subject=verification,
    )
    record_consumption(entry, label=str(item.label), consumed_at=verification.started_at)


@hookimpl
def account_export_files(tenant, account):
    """The credit history (every purchase, charge, refund and adjustment) and the billing
    documents (receipts, invoices) as their PDFs: what the closure page promises."""
    from portal.core.accounts.models import Account

    if not isinstance(account, Account):  # other plugins' hook tests pass no account
        return None
    from sqlalchemy import select

    from portal.core.accounts.export import ExportFile, csv_bytes
    from portal.core.credits.models import BillingDocument, LedgerEntry
    from portal.core.storage import storage
    from portal.extensions import db

    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
    ).all()
    documents = db.session.scalars(
        select(BillingDocument)
        .where(BillingDocument.account_id == account.id)
        .order_by(BillingDocument.id)
    ).all()
    files = [
        ExportFile(
            "credits/historique.csv",
            csv_bytes(
                ["date", "mouvement", "montant_centimes_ttc", "tva_points_de_base", "libelle"],
                (
                    (e.created_at, e.kind.value, e.amount_cents, e.vat_rate_bp, e.reason)
                    for e in entries
                ),
            ),
        ),
        ExportFile(
            "credits/documents.csv",
            csv_bytes(
                ["numero", "type", "emis_le", "total_centimes_ttc"],
                ((d.number, d.type.value, d.issued_on, d.total_cents) for d in documents),
            ),
        ),
    ]
    store = storage()
    for document in documents:
        if not document.storage_key:
            continue
        try:
            files.append(
                ExportFile(
                    f"credits/documents/{document.number}.pdf", store.read(document.storage_key)
                )
            )
        except FileNotFoundError:
            continue  # listed in documents.csv; its file is gone
    return files


@hookimpl
def register_jobs():
    from portal.core.credits import billing, payments

    return [*billing.JOBS, *payments.JOBS]


@hookimpl
def register_periodic_jobs():
    from portal.core.credits import billing, payments

    return [*billing.PERIODIC_JOBS, *payments.PERIODIC_JOBS]


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """« Crédit » on the dashboard: the balance, what it pays for, « Acheter des crédits »;
    wherever the tenant's accounts have credit (never on a member space)."""
    from portal.core.accounts.kinds import account_area
    from portal.core.credits.ledger import balance_cents, euros
    from portal.core.credits.payments.operations import shown_with_balance
    from portal.core.plugins import DashboardWidget

    if account is None or not account_area(tenant).credit:
        return []
    balance = balance_cents(account.id)
    affordable = [
        (balance // item.price_cents, item.label)
        for item in shown_with_balance(tenant)
        if item.price_cents > 0
    ]
    return [
        DashboardWidget(
            title=_l("Crédit"),
            template="core/widgets/credit.html",
            context={"balance": euros(balance), "empty": balance <= 0, "affordable": affordable},
            order=10,
            code="credits.balance",
            endpoint="credits.buy",
            link_label=_l("Acheter des crédits"),
        )
    ]
