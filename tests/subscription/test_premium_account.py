"""The client's premium account (« compte cotisant »): once the membership is created, each
month's premium is called on the debit day and presented by SEPA direct debit (once, however
often the job runs); the back office records an unpaid with the bank's reason and the payments
received, assigned or not; the client file shows « Retard de paiement », « Mouvements
financiers non affectés » and « Solde » from them."""

from __future__ import annotations

import html
import re
from datetime import date
from types import SimpleNamespace

import pytest
from spacekit import make_contract
from sqlalchemy import select, update
from subkit import issue, run_periodic

from plugins.subscription import premiums, rules
from plugins.subscription.models import Contract, PremiumMovement
from plugins.subscription.rules import ContractProgress, MovementKind
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token

BASE = "/backoffice/t/horizon/subscription/adhesions"


def movement(kind, cents, on, contract_id=1):
    return SimpleNamespace(kind=kind, amount_cents=cents, on=on, contract_id=contract_id)


@pytest.mark.parametrize(
    ("year", "month", "debit_day", "effective", "expected"),
    [
        (2027, 1, 5, date(2027, 1, 15), date(2027, 1, 15)),  # first month: from its effect
        (2027, 2, 5, date(2027, 1, 15), date(2027, 2, 5)),
        (2027, 1, 5, date(2027, 1, 1), date(2027, 1, 5)),
        (2027, 2, 31, date(2027, 1, 1), date(2027, 2, 28)),  # every month has a 28th
        (2026, 12, 5, date(2027, 1, 1), None),  # before its effect: nothing
    ],
)
def test_the_debit_day_of_a_month(year, month, debit_day, effective, expected):
    assert rules.debit_date(year, month, debit_day, effective) == expected


def test_the_three_figures_from_the_movements():
    today = date(2027, 3, 10)
    called = [movement(MovementKind.CALL, 5174, date(2027, m, 5)) for m in (1, 2, 3, 4)]
    debited = [movement(MovementKind.DIRECT_DEBIT, 5174, date(2027, m, 5)) for m in (1, 2, 3)]
    assert rules.premium_account(called + debited, today) == (0, 0, 0)  # April not due yet
    unpaid = movement(MovementKind.UNPAID, 5174, date(2027, 3, 8))
    assert rules.premium_account([*called, *debited, unpaid], today) == (5174, 0, -5174)
    cheque = movement(MovementKind.PAYMENT, 5174, date(2027, 3, 9))
    assert rules.premium_account([*called, *debited, unpaid, cheque], today) == (0, 0, 0)
    loose = movement(MovementKind.PAYMENT, 2000, date(2027, 3, 9), contract_id=None)
    assert rules.premium_account([*called, *debited, unpaid, loose], today) == (5174, 2000, -3174)


def _created_contract(app, agent, effective: date, number: int = 26) -> int:
    contract_id, _ = make_contract(
        app, agent, issue(app, agent), number=number, progress=ContractProgress.MEMBERSHIP_CREATED
    )
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.execute(
            update(Contract)
            .where(Contract.id == contract_id)
            .values(effective_date=effective, monthly_cents=5174)
        )
        db.session.commit()
    return contract_id


def _movements(app, agent, contract_id=None) -> list[tuple]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        statement = select(PremiumMovement).order_by(PremiumMovement.on, PremiumMovement.id)
        return [
            (m.kind, m.amount_cents, m.on, m.period, m.contract_id, m.reason)
            for m in db.session.scalars(statement)
        ]


def test_each_month_is_called_and_debited_once(app, agent, at):
    contract_id = _created_contract(app, agent, date(2027, 1, 15))
    waiting, _ = make_contract(app, agent, issue(app, agent), number=27)  # not created yet
    at(2027, 3, 4)
    run_periodic(app, premiums.call_premiums_job)
    run_periodic(app, premiums.call_premiums_job)  # the same day again: nothing more
    assert _movements(app, agent) == [
        ("call", 5174, date(2027, 1, 15), "2027-01", contract_id, ""),
        ("direct_debit", 5174, date(2027, 1, 15), "2027-01", contract_id, ""),
        ("call", 5174, date(2027, 2, 5), "2027-02", contract_id, ""),
        ("direct_debit", 5174, date(2027, 2, 5), "2027-02", contract_id, ""),
    ]
    at(2027, 3, 5)
    run_periodic(app, premiums.call_premiums_job)
    assert [m[2] for m in _movements(app, agent)][-2:] == [date(2027, 3, 5)] * 2
    assert len(_movements(app, agent)) == 6 and waiting
    at(2027, 5, 10)  # the job did not run for two months: April and May are caught up
    run_periodic(app, premiums.call_premiums_job)
    periods = [(m[0], m[3]) for m in _movements(app, agent)]
    assert periods[-4:] == [
        ("call", "2027-04"),
        ("direct_debit", "2027-04"),
        ("call", "2027-05"),
        ("direct_debit", "2027-05"),
    ]
    assert len(periods) == 10


def _record(staff, url: str, **data):
    token = csrf_token(staff.get(url).get_data(as_text=True))
    shown = re.search(r'name="key"[^>]*value="([^"]+)"', staff.get(url).get_data(as_text=True))
    key = shown[1] if shown else "no-form-shown"
    fields = {"csrf_token": token, "key": key, "on": "08/03/2027", **data}
    return staff.post(f"{url}/mouvements", data=fields), fields


def test_the_back_office_records_an_unpaid_and_payments(app, agent, agent_client, staff_client, at):
    contract_id = _created_contract(app, agent, date(2027, 1, 15))
    at(2027, 3, 10)
    run_periodic(app, premiums.call_premiums_job)
    staff, _ = staff_client()
    url = f"{BASE}/{contract_id}"
    page = html.unescape(staff.get(url).get_data(as_text=True))
    assert "Compte cotisant du client" in page and "Prélèvement SEPA 2027-03" in page

    unpaid, fields = _record(staff, url, kind="unpaid", amount="51,74", reason="AM04")
    assert unpaid.status_code == 303
    again = staff.post(f"{url}/mouvements", data=fields)  # sent twice: recorded once
    assert again.status_code == 303
    assert [m[0] for m in _movements(app, agent)].count("unpaid") == 1
    loose, _ = _record(staff, url, kind="payment", amount="20", unassigned="y", label="Chèque")
    assert loose.status_code == 303

    file = _client_file(app, agent, agent_client)
    figures = dict(re.findall(r'data-premium="(\w+)">([^<]+)<', file))
    assert figures == {"late": "51,74\xa0€", "unassigned": "20,00\xa0€", "balance": "-31,74\xa0€"}
    assert "Impayé — AM04 — Provision insuffisante" in file
    assert "Non affecté" in file and "Encaissement — Chèque" in file

    cheque, _ = _record(staff, url, kind="payment", amount="51,74")
    assert cheque.status_code == 303
    file = _client_file(app, agent, agent_client)
    figures = dict(re.findall(r'data-premium="(\w+)">([^<]+)<', file))
    assert figures == {"late": "0,00\xa0€", "unassigned": "20,00\xa0€", "balance": "20,00\xa0€"}


def _client_file(app, agent, agent_client) -> str:
    with app.app_context(), tenant_scope(agent.tenant_id):
        client_id = db.session.scalar(select(Contract.client_id).order_by(Contract.id.desc()))
    return html.unescape(
        agent_client.get(f"/souscription/clients/{client_id}?lang=fr").data.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "unpaid", "amount": "51,74"},
            "Choisissez le motif du rejet donné par la banque.",
        ),
        ({"kind": "payment", "amount": "abc"}, "Saisissez un montant comme 51,74."),
        ({"kind": "payment", "amount": "0"}, "Le montant doit être supérieur à zéro."),
        ({"kind": "payment", "amount": "10", "on": "11/03/2027"}, "ne peut pas être dans le futur"),
        ({"kind": "payment", "amount": "10", "on": "31/02/2027"}, "Date non reconnue"),
        (
            {"kind": "unpaid", "amount": "5", "reason": "AM04", "unassigned": "y"},
            "Un impayé se rapporte toujours à ce contrat.",
        ),
    ],
)
def test_a_wrong_movement_is_refused_next_to_its_field(app, agent, staff_client, at, data, message):
    contract_id = _created_contract(app, agent, date(2027, 1, 15))
    at(2027, 3, 10)
    staff, _ = staff_client()
    refused, _ = _record(staff, f"{BASE}/{contract_id}", **data)
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert message in page and '<details class="card bo-sub-movement" open>' in page
    assert _movements(app, agent) == []


def test_no_movement_before_the_membership_nor_through_another_tenant(app, agent, staff_client, at):
    at(2027, 3, 10)
    waiting, _ = make_contract(app, agent, issue(app, agent))
    staff, _ = staff_client()
    page = staff.get(f"{BASE}/{waiting}").get_data(as_text=True)
    assert "Enregistrer un mouvement" not in page
    refused, _ = _record(staff, f"{BASE}/{waiting}", kind="payment", amount="10")
    assert refused.status_code == 303 and _movements(app, agent) == []
    created = _created_contract(app, agent, date(2027, 1, 15), number=28)
    token = csrf_token(staff.get(f"{BASE}/{created}").get_data(as_text=True))
    data = {"csrf_token": token, "key": "k", "kind": "payment", "amount": "1", "on": "01/03/2027"}
    for slug in ("resilimo", "msr"):  # the same contract through another tenant's back office
        crossed = staff.post(
            f"/backoffice/t/{slug}/subscription/adhesions/{created}/mouvements", data=data
        )
        assert crossed.status_code == 404
    assert _movements(app, agent) == []
