"""The clients' premium account (« compte cotisant »), what the client file's « Retard de
paiement », « Mouvements financiers non affectés » and « Solde » are made of.

Once its membership is created, a contract's monthly premium is called on its debit day and
presented the same day by SEPA direct debit under the mandate signed at subscription
(:func:`call_premiums`, a daily job: each month once, whenever the job runs, catching up the
months it missed). The back office records what the bank and the post bring back: an unpaid
direct debit with its SEPA reason, a cheque or a transfer, assigned to a contract or not yet
(:func:`record`). Movements are only ever added (``PremiumMovement``); the figures come from
them (``rules.premium_account``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from plugins.subscription import contracts, rules
from plugins.subscription.i18n import _
from plugins.subscription.models import Client, Contract, PremiumMovement
from plugins.subscription.rules import ContractProgress, MovementKind
from portal.core import clock
from portal.core.database import insert_ignoring_duplicates
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db


@dataclass(frozen=True)
class PremiumAccount:
    """A client's premium account: « Retard de paiement », « Mouvements financiers non
    affectés », « Solde » in cents, and its movements, newest first."""

    late_cents: int = 0
    unassigned_cents: int = 0
    balance_cents: int = 0
    movements: tuple[PremiumMovement, ...] = ()


# Which column of the client file a movement is written in: owed (« Débit ») or paid.
OWED = frozenset({MovementKind.CALL, MovementKind.UNPAID})


def premium_account(client: Client, today: date) -> PremiumAccount:
    movements = tuple(
        db.session.scalars(
            select(PremiumMovement)
            .where(PremiumMovement.client_id == client.id)
            .order_by(PremiumMovement.on.desc(), PremiumMovement.id.desc())
        )
    )
    return PremiumAccount(*rules.premium_account(movements, today), movements=movements)


def movement_label(movement: PremiumMovement) -> str:
    """« Appel de cotisation 2027-03 », « Impayé — AM04 — Provision insuffisante »…"""
    label = _(rules.MOVEMENT_LABELS[MovementKind(movement.kind)])
    if movement.period:
        label = f"{label} {movement.period}"
    if movement.reason in rules.UNPAID_REASONS:
        label = f"{label} — {_(rules.UNPAID_REASONS[movement.reason])}"
    if movement.label:
        label = f"{label} — {movement.label}"
    return label


def _months(first: date, last: date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _insert(owner, reference: str, **values) -> bool:
    """Record a movement of ``owner``'s (a contract or a client: its tenant, account and
    managing profile) unless its ``reference`` is there already — one statement, so a job run
    twice or a form sent twice at once records it once; whether it was added."""
    added = db.session.execute(
        insert_ignoring_duplicates(PremiumMovement)
        .values(
            tenant_id=owner.tenant_id,
            account_id=owner.account_id,
            managed_by_id=owner.managed_by_id,
            reference=reference,
            recorded_at=clock.now(),
            **{"contract_id": None, "period": "", "reason": "", "label": "", **values},
        )
        .returning(PremiumMovement.id)
    ).scalar()
    return added is not None


def _call_month(contract: Contract, on: date, period: str) -> int:
    """The month's call of ``contract``'s premium and, paid by direct debit, its debit; how
    many were added."""
    movements = [(MovementKind.CALL, f"{contracts.display_number(contract)}-{period}")]
    if contract.payment_mode == "direct_debit":
        movements.append((MovementKind.DIRECT_DEBIT, f"{contract.sepa_reference}-{period}"))
    return sum(
        _insert(
            contract,
            reference,
            client_id=contract.client_id,
            contract_id=contract.id,
            kind=kind,
            amount_cents=contract.monthly_cents,
            on=on,
            period=period,
        )
        for kind, reference in movements
    )


def call_premiums(today: date) -> int:
    """Call and debit, in the current tenant, every monthly premium due by ``today`` of the
    contracts whose membership is created; how many movements were added (none the second
    time)."""
    added = 0
    # The last month called per contract: a day's run starts after it (each month's call and
    # debit are written together, in one transaction), not from each contract's first month.
    last_called = dict(
        db.session.execute(
            select(PremiumMovement.contract_id, func.max(PremiumMovement.period))
            .where(PremiumMovement.kind == MovementKind.CALL)
            .group_by(PremiumMovement.contract_id)
        ).all()
    )
    for contract in db.session.scalars(
        select(Contract)
        .where(Contract.progress == ContractProgress.MEMBERSHIP_CREATED)
        .order_by(Contract.id)
    ):
        first = contract.effective_date
        if contract.id in last_called:
            year, month = (int(part) for part in last_called[contract.id].split("-"))
            first = date(year + month // 12, month % 12 + 1, 1)
        for year, month in _months(first, today):
            on = rules.debit_date(year, month, contract.debit_day, contract.effective_date)
            if on is not None and on <= today:
                added += _call_month(contract, on, f"{year:04d}-{month:02d}")
    return added


@job(global_job=True)
def call_premiums_job(tenant_id=None) -> None:
    """Every morning: each tenant's monthly premiums of the day, called and debited (safe to
    run twice: each month of a contract is recorded once)."""
    for tenant in tenant_directory().enabling("subscription"):
        with tenant_scope(tenant.id):
            call_premiums(clock.today(tenant))


def record(
    client: Client,
    kind: MovementKind,
    amount_cents: int,
    on: date,
    key: str,
    *,
    contract: Contract | None = None,
    reason: str = "",
    label: str = "",
    staff_id: int | None = None,
) -> PremiumMovement:
    """What the back office learnt: a payment (``contract`` None: not assigned yet) or an
    unpaid direct debit of ``contract`` with its SEPA ``reason``. ``key``: the form's own, so a
    form sent twice records once (the first movement is returned)."""
    if kind not in (MovementKind.PAYMENT, MovementKind.UNPAID) or amount_cents <= 0:
        raise ValueError(f"not a movement the back office records: {kind} {amount_cents}")
    if kind == MovementKind.UNPAID and (contract is None or reason not in rules.UNPAID_REASONS):
        raise ValueError("an unpaid names its contract and its SEPA reason")
    reference = f"staff-{key}"
    _insert(
        client,
        reference,
        client_id=client.id,
        contract_id=contract.id if contract is not None else None,
        kind=kind,
        amount_cents=amount_cents,
        on=on,
        reason=reason,
        label=label,
        recorded_by_staff_id=staff_id,
    )
    return db.session.scalar(select(PremiumMovement).where(PremiumMovement.reference == reference))


JOBS: list = [call_premiums_job]
# In the morning Paris time, before the agents open their clients' files.
PERIODIC_JOBS: list = [PeriodicJob(job=call_premiums_job, cron="30 6 * * *")]
