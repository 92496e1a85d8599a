"""The remaining credit paid back at closure (FAQ « restitution du crédit »).

The holder of a closing account asks for it on the closure page with an IBAN (checked) and the
bank account holder's name; the page shows what will be paid: the credit minus the fee of the
price list (``closure_refund_fee``, 25 € excl. VAT). An operator makes the transfer, then records
it in the back office (:func:`execute_refund`): the fee is charged, the rest goes out of the
ledger as a payout — both with a key of the request, so it happens once — and a statement
(series C: the fee's invoice with its VAT and the amount paid back) is issued and emailed.

IBAN keeping: the operator needs the whole IBAN to order the transfer, so it is stored in full
while the request waits, shown in full in the back office only (the holder's pages show it
masked); once the transfer is recorded only the masked IBAN stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    import schwifty

from portal.core import audit
from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.clock import now
from portal.core.credits import ledger
from portal.core.credits.billing.operations import BillingError
from portal.core.credits.hooks import CLOSURE_FEE
from portal.core.credits.models import RefundRequest, RefundStatus
from portal.core.i18n import N_, force_locale
from portal.core.mail.jobs import queue_email
from portal.core.plugins import PricedItem
from portal.core.pricing import excluding_vat, price_list
from portal.core.tenants import CurrentTenant, tenant_directory, tenant_scope
from portal.extensions import db

CLOSING = (AccountStatus.CLOSING, AccountStatus.CLOSED)


class InvalidIban(ValueError):
    """``str()`` is the message shown next to the field."""


def parse_iban(text: str) -> schwifty.IBAN:
    """A typed IBAN (spaces allowed) checked by its country's format and check digits, and in
    the SEPA zone (the refund is a SEPA transfer)."""
    import schwifty

    try:
        iban = schwifty.IBAN((text or "").strip())
    except (ValueError, schwifty.exceptions.SchwiftyException):
        raise InvalidIban(_l("Cet IBAN n'est pas valide : recopiez-le depuis votre RIB.")) from None
    if not iban.in_sepa_zone:
        raise InvalidIban(
            _l("Le remboursement se fait par virement SEPA : indiquez un IBAN de la zone SEPA.")
        )
    return iban


def mask_iban(compact: str) -> str:
    """``FR7630006000011234567890189`` → ``FR76 **** **** **** **** ***0 189``: the country, the
    check digits and the last four characters, grouped like the IBAN."""
    kept = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(kept[i : i + 4] for i in range(0, len(kept), 4))


@dataclass(frozen=True)
class RefundQuote:
    """What paying back the credit now would give (cents)."""

    balance: int
    fee: int  # incl. VAT, debited
    fee_excl_vat: int
    fee_item: PricedItem

    @property
    def net(self) -> int:
        return max(0, self.balance - self.fee)

    @property
    def refundable(self) -> bool:
        return self.net > 0


def quote(account: Account, tenant: CurrentTenant) -> RefundQuote:
    """The account's credit, the tenant's fee (its price list) and what would be paid back."""
    item = price_list(tenant)[CLOSURE_FEE]
    return RefundQuote(
        balance=ledger.balance_cents(account.id),
        fee=item.price_cents,
        fee_excl_vat=excluding_vat(item),
        fee_item=item,
    )


def refund_request_of(account: Account) -> RefundRequest | None:
    return db.session.scalar(select(RefundRequest).where(RefundRequest.account_id == account.id))


def request_refund(
    account: Account, profile: Profile, tenant: CurrentTenant, *, iban: str, holder: str
) -> RefundRequest:
    """Record (or correct, while it waits) the holder's request; InvalidIban, BillingError."""
    if account.status != AccountStatus.CLOSING:
        raise BillingError(
            _l("Le remboursement du crédit se demande une fois la clôture du compte demandée.")
        )
    checked = parse_iban(iban)
    if not quote(account, tenant).refundable:
        raise BillingError(_l("Il n'y a pas de crédit à rembourser sur ce compte."))
    bic = checked.bic
    values = {
        "iban": checked.compact,
        "iban_masked": mask_iban(checked.compact),
        "bic": str(bic.compact) if bic is not None else None,
        "account_holder": holder.strip()[:140],
        "contact_email": account.email,
        "requested_at": now(),
        "requested_by": f"{account.email} ({profile.name})"[:254],
    }
    request = refund_request_of(account)
    if request is None:
        try:
            with db.session.begin_nested():  # a parallel first request may create it first
                request = RefundRequest(
                    account_id=account.id, status=RefundStatus.REQUESTED, **values
                )
                db.session.add(request)
                db.session.flush()
        except IntegrityError:
            request = refund_request_of(account)
    # Corrected only while it waits: an operator executing it meanwhile wins.
    changed = db.session.execute(
        update(RefundRequest)
        .where(RefundRequest.id == request.id, RefundRequest.status == RefundStatus.REQUESTED)
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    if changed != 1:
        raise BillingError(_l("Le crédit restant de ce compte a déjà été remboursé."))
    db.session.refresh(request)
    audit.record(
        "credits.refund_requested",
        **audit.by_account(account, profile),
        target=request,
        iban=request.iban_masked,
    )
    return request


def execute_refund(request: RefundRequest, staff) -> RefundRequest:
    """The operator has ordered the transfer: charge the fee, pay the rest out of the ledger,
    issue the statement and email it. Once: a second call — or a parallel one — raises
    BillingError, and a refused execution leaves nothing behind (one savepoint)."""
    tenant = tenant_directory().get(request.tenant_id)
    request_id = request.id
    with tenant_scope(request.tenant_id), db.session.begin_nested():
        # The claim: one conditional UPDATE, which the database applies to one caller only
        # (a parallel one waits for the row, then matches nothing) — on SQLite as on PostgreSQL.
        claimed = db.session.execute(
            update(RefundRequest)
            .where(RefundRequest.id == request_id, RefundRequest.status == RefundStatus.REQUESTED)
            .values(status=RefundStatus.EXECUTED, executed_at=now(), executed_by=staff.email),
            execution_options={"synchronize_session": False},
        ).rowcount
        if claimed != 1:
            raise BillingError(_l("Ce remboursement a déjà été effectué."))
        request = db.session.scalar(
            select(RefundRequest)
            .where(RefundRequest.id == request_id)
            .execution_options(populate_existing=True)
        )
        account = db.session.get(Account, request.account_id)
        if account.status not in CLOSING:
            raise BillingError(_l("Le compte n'est pas en cours de clôture."))
        figures = quote(account, tenant)
        if not figures.refundable:
            raise BillingError(
                _l(
                    "Le crédit restant (%(balance)s) ne dépasse pas les frais de restitution "
                    "(%(fee)s) : il n'y a rien à rembourser.",
                    balance=ledger.euros(figures.balance),
                    fee=ledger.euros(figures.fee),
                )
            )
        try:
            ledger.fee(
                account,
                figures.fee,
                reason=str(figures.fee_item.label),
                idempotency_key=f"refund-request:{request.id}:fee",
                vat_rate_bp=figures.fee_item.vat_rate_bp,
                subject=request,
                actor_label=staff.email,
            )
            ledger.payout(
                account,
                figures.net,
                reason=str(_l("Remboursement du crédit restant à la clôture du compte")),
                idempotency_key=f"refund-request:{request.id}:payout",
                subject=request,
                actor_label=staff.email,
            )
        except ledger.InsufficientCredit as exc:  # the credit moved meanwhile
            raise BillingError(str(exc)) from exc
        request.balance_cents = figures.balance
        request.fee_cents = figures.fee
        request.paid_cents = figures.net
        from portal.core.credits.billing.documents import issue_refund_statement

        statement = issue_refund_statement(request, account, figures.fee_item)
        request.statement_id = statement.id
        request.iban = request.bic = None  # paid: only the masked IBAN stays
        audit.record(
            "credits.refund_executed",
            **audit.by_staff(staff, request.tenant_id),
            target=request,
            account_id=account.id,
            fee_cents=figures.fee,
            paid_cents=figures.net,
            statement=statement.number,
        )
        _notify(request, account, tenant, statement)
        request.contact_email = None
        db.session.flush()  # in the account's tenant: the caller is unscoped
    return request


def _notify(request: RefundRequest, account: Account, tenant, statement) -> None:
    if not request.contact_email or request.contact_email.endswith("@invalid"):
        return
    locale = tenant.config.default_locale
    with force_locale(locale):
        paragraphs = [
            _(
                "Le crédit restant de votre compte vous a été remboursé : un virement de "
                "%(paid)s a été ordonné vers le compte %(iban)s au nom de %(holder)s.",
                paid=ledger.euros(request.paid_cents),
                iban=request.iban_masked,
                holder=request.account_holder,
            ),
            _(
                "Crédit restant : %(balance)s ; frais de restitution : %(fee)s TTC. Le décompte "
                "n° %(number)s en fait le détail.",
                balance=ledger.euros(request.balance_cents),
                fee=ledger.euros(request.fee_cents),
                number=statement.number,
            ),
            _("Le virement apparaît sur votre compte bancaire sous quelques jours ouvrés."),
        ]
        title = _("Votre crédit a été remboursé")
    kwargs = {}
    if account.status == AccountStatus.CLOSING:  # the holder can still log in and download it
        kwargs = {
            "action_url": _tenant_url(tenant, "credits.billing_document", statement.id),
            "action_label": _("Télécharger le décompte"),
        }
    queue_email(
        "notification",
        to=request.contact_email,
        subject=N_("Votre crédit a été remboursé"),
        locale=locale,
        title=title,
        paragraphs=paragraphs,
        **kwargs,
    )


def _tenant_url(tenant, endpoint: str, document_id: int) -> str:
    """An address on the tenant's own host (the operator acts from the back office's)."""
    from portal.core.mail.rendering import tenant_base_url

    return tenant_base_url(tenant).rstrip("/") + url_for(endpoint, document_id=document_id)
