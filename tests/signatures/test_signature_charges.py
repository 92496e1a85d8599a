"""What an e-signature costs the agency: charged once when the procedure starts, refunded once
when it ends in a state the asking plugin's rule names, never when signed; kept ones go on the
month's invoice."""

from __future__ import annotations

import pytest
from lifecyclekit import (
    emails,
    make_agency,
    outcomes_fixture,  # noqa: F401 - the ``outcomes`` fixture
    procedure_of,
    run_periodic,
    start_procedure,
    time_passes,
)
from sqlalchemy import select

from portal.core.credits.ledger import InsufficientCredit, balance_cents
from portal.core.credits.models import Consumption, EntryKind, LedgerEntry
from portal.core.jobs import drain
from portal.core.signatures import charges, jobs, operations
from portal.core.signatures.models import ProcedureState
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

PRICE = 150


def _entries(agency, kind=None):
    query = select(LedgerEntry).where(LedgerEntry.account_id == agency.id)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind)
    return db.session.scalars(query.order_by(LedgerEntry.id)).all()


def _decline(app, agency, reference):
    with app.app_context(), tenant_scope(agency.tenant_id):
        signer = procedure_of(reference).signers[0]
        operations.decline(signer, "Je ne résilie plus", ip="203.0.113.9", user_agent="test")
        db.session.commit()
    drain(app)


def test_the_core_bills_an_e_signature_at_1_50_by_default(app, tenant_ids):
    from portal.core.pricing import price_list

    with app.app_context():
        for slug in ("resilimo", "horizon", "msr"):
            item = price_list(tenant_directory().by_slug(slug))["e_signature"]
            assert item.price_cents == PRICE
            assert item.vat_rate_bp == 2000
            assert str(item.label) == "Signature électronique"


def test_starting_charges_the_price_exactly_once(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert procedure.charged
        assert balance_cents(agency.id) == 5000 - PRICE
        charges.charge_procedure(procedure)  # a second call (double click, retried job)
        procedure.charged = False  # even one that forgot the first: the ledger's key holds
        charges.charge_procedure(procedure)
        db.session.commit()
        assert balance_cents(agency.id) == 5000 - PRICE
        [charge] = _entries(agency, EntryKind.CHARGE)
        assert charge.amount_cents == -PRICE
        assert charge.idempotency_key == f"signature:{reference}"
        assert (charge.subject_type, charge.subject_id) == ("SignatureProcedure", procedure.id)
        assert reference in charge.reason


def test_without_enough_credit_the_procedure_does_not_start(app, outcomes):
    agency = make_agency(app, credit=100)
    with pytest.raises(InsufficientCredit) as refused:
        start_procedure(app, agency)
    assert "ne couvre pas ce montant" in str(refused.value)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert balance_cents(agency.id) == 100
        assert _entries(agency, EntryKind.CHARGE) == []
    assert emails(app, agency.tenant_id) == []  # nobody was invited


def test_a_procedure_without_a_price_costs_nothing(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency, charge=False)
    _decline(app, agency, reference)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert not procedure_of(reference).charged
        assert balance_cents(agency.id) == 5000
        assert len(_entries(agency)) == 1  # the test's credit only


def test_a_declined_procedure_is_refunded_once(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    _decline(app, agency, reference)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert balance_cents(agency.id) == 5000
        assert charges.refund_procedure(procedure, "declined")  # again: already refunded
        db.session.commit()
        assert balance_cents(agency.id) == 5000
        [refund] = _entries(agency, EntryKind.REFUND)
        assert refund.amount_cents == PRICE
        # Refunded, so never invoiced.
        assert db.session.scalars(select(Consumption)).all() == []
    [notice] = emails(app, agency.tenant_id, "agence.lifecycle@example.fr")
    assert "recrédité" in notice.body_text


def test_an_expired_procedure_is_refunded_once(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    time_passes(app, agency.tenant_id, reference, hours=73)  # 72 hours to sign
    run_periodic(app, jobs.expire_overdue)
    run_periodic(app, jobs.expire_overdue)  # the next run finds nothing more to do
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).state == ProcedureState.EXPIRED
        assert balance_cents(agency.id) == 5000
        assert len(_entries(agency, EntryKind.REFUND)) == 1


def test_no_refund_when_the_plugin_rule_says_none(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency, refund_on=())
    _decline(app, agency, reference)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert not charges.refund_procedure(procedure, "declined")
        assert not charges.refund_procedure(procedure, "expired")
        assert balance_cents(agency.id) == 5000 - PRICE
        assert _entries(agency, EntryKind.REFUND) == []
        # Kept: it goes on this month's invoice.
        [line] = db.session.scalars(select(Consumption)).all()
        assert line.amount_cents == PRICE


def test_a_signed_procedure_is_never_refunded(app, outcomes):
    agency = make_agency(app)
    # Even a rule that (wrongly) names "signed".
    reference = start_procedure(app, agency, refund_on=("signed", "declined", "expired"))
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert not charges.refund_procedure(procedure, "signed")
        # The engine's last signature ends like this (sealing is tested with the pages).
        procedure.state = ProcedureState.SIGNED
        operations.record_outcome(procedure, ProcedureState.SIGNED)
        db.session.commit()
    drain(app)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert outcomes.calls == [(reference, "signed")]
        assert balance_cents(agency.id) == 5000 - PRICE
        assert _entries(agency, EntryKind.REFUND) == []
        [line] = db.session.scalars(select(Consumption)).all()
        assert line.amount_cents == PRICE and reference in line.label


def test_a_tenant_sets_its_own_price(app, tenant_ids, monkeypatch, outcomes):
    from dataclasses import replace

    from portal.core.tenants.schema import PriceOverride

    with app.app_context():
        directory = tenant_directory()
        tenant = directory.by_id(tenant_ids["resilimo"])
        prices = {**tenant.config.prices, "e_signature": PriceOverride(price_cents=240)}
        config = tenant.config.model_copy(update={"prices": prices})
        monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))
    agency = make_agency(app)
    start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert balance_cents(agency.id) == 5000 - 240
