"""Helpers of the signature lifecycle tests (charges, outcomes, emails, periodic jobs): an agency
with credit, a procedure started through the engine's API, a test plugin recording the
``on_signature_outcome`` calls, the development mailbox and the jobs run for real."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from signerkit import procedure_of
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.jobs import drain
from portal.core.plugins import hookimpl
from portal.core.signatures.providers.base import DocumentRole
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.accounts import AccountRef, create_account

OWNER = "lifecycle_test"
SIGNER_EMAIL = "camille.durand@example.org"
SIGNER_MOBILE = "+33612345678"


@dataclass(eq=False)  # hashable: pluggy keys plugins by object
class OutcomeRecorder:
    """Stands for a plugin that asked for signatures: records each outcome it is told about
    (only its own procedures, as a real plugin checks ``procedure.owner``)."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_next: int = 0

    @hookimpl
    def on_signature_outcome(self, tenant, procedure, outcome):
        if procedure.owner != OWNER:
            return
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the plugin is down")
        self.calls.append((procedure.reference, str(outcome)))


@pytest.fixture(name="outcomes")
def outcomes_fixture(app):
    """The test plugin's record of ``on_signature_outcome`` calls."""
    recorder = OutcomeRecorder()
    plugins = app.extensions["portal.plugins"]
    plugins.register_core("test_signature_outcomes", recorder)
    yield recorder
    drain(app)  # nothing of this test runs into the next one
    plugins.pm.unregister(name="core.test_signature_outcomes")


def make_agency(app, slug="resilimo", email="agence.lifecycle@example.fr", credit=5000):
    """An agency held by Jean Fournier (Agence Fournier Assurances), with ``credit`` cents."""
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    agency = create_account(app, slug, email)
    if credit:
        with app.app_context(), tenant_scope(agency.tenant_id):
            account = db.session.get(Account, agency.id)
            adjust(
                account, credit, reason="crédit de test", idempotency_key="test", actor_label="t"
            )
            db.session.commit()
    return agency


def start_procedure(
    app,
    agency: AccountRef,
    *,
    signers=None,
    hours: float = 72,
    charge=True,
    refund_on=None,
    delivery=None,
    title="Mandat de résiliation — contrat AUTO-123",
    ordered=False,
    start=True,
    before_start=None,
) -> str:
    """Create (and start) a procedure of ``agency`` through the engine; its reference.

    ``charge``: the core's e_signature item (refunded on ``refund_on``, default declined and
    expired); ``before_start(procedure)`` runs between creation and start (committed together).
    """
    from portal.core.accounts.models import Account
    from portal.core.signatures import operations
    from portal.core.signatures.providers.base import Delivery

    signers = signers or [("Camille", "Durand", SIGNER_EMAIL, SIGNER_MOBILE)]
    price = None
    if charge:
        price = operations.SignatureCharge(
            "e_signature", **({} if refund_on is None else {"refund_on": frozenset(refund_on)})
        )
    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        procedure = operations.create_procedure(
            account=account,
            profile=account.holder_profile,
            owner=OWNER,
            title=title,
            documents=[
                operations.NewDocument(
                    "Mandat de résiliation", "mandat.pdf", PDF_BYTES, acceptance_boxes=("Lu",)
                ),
                operations.NewDocument(
                    "Conditions générales",
                    "cg.pdf",
                    PDF_BYTES,
                    role=DocumentRole.READ,
                ),
            ],
            signers=[operations.NewSigner(*signer) for signer in signers],
            deadline=clock.now() + timedelta(hours=hours),
            delivery=delivery or Delivery.REMOTE,
            ordered=ordered,
            charge=price,
        )
        if before_start is not None:
            before_start(procedure)
        if start:
            operations.start_procedure(procedure)
        reference = procedure.reference
        db.session.commit()
    return reference


def time_passes(app, tenant_id: int, reference: str, hours: float) -> None:
    """As if ``hours`` had passed for the procedure: its dates (deadline, start, invitations)
    move back by that much."""
    shift = timedelta(hours=hours)
    with app.app_context(), tenant_scope(tenant_id):
        procedure = procedure_of(reference)
        for owner, names in [
            (procedure, ("deadline", "created_at", "started_at")),
            *((signer, ("invited_at",)) for signer in procedure.signers),
        ]:
            for name in names:
                value = getattr(owner, name)
                if value is not None:
                    setattr(owner, name, value - shift)
        db.session.commit()


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (no tenant, unscoped), then every job it
    queued."""
    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)


def emails(app, tenant_id: int, to: str | None = None) -> list:
    """The development mailbox's emails (to ``to``), once every queued job has run."""
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        query = select(DevboxMessage).where(DevboxMessage.kind == "email")
        if to is not None:
            query = query.where(DevboxMessage.recipients.contains(to))
        rows = db.session.scalars(query.order_by(DevboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def events_of(app, tenant_id: int, reference: str) -> list[str]:
    with app.app_context(), tenant_scope(tenant_id):
        return [event.kind for event in procedure_of(reference).events]
