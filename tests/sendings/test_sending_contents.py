"""A sending's contents past their retention (``purge_contents``): the stored PDFs of a letter
that has left are deleted, its rows and its proofs stay; never before the hand-over; twice is
once."""

from __future__ import annotations

import uuid

import pytest
from paperkit import SENDER, recipient, run_printer, shift_clock
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core.jobs import drain
from portal.core.sendings import (
    NewDocument,
    PriceLine,
    Sending,
    SendingError,
    contents_purged,
    create_sending,
    proof_bytes,
    purge_contents,
    validate_sending,
)
from portal.core.sendings.operators.base import Channel, SendingState
from portal.core.storage import storage
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.accounts import create_account


@pytest.fixture
def agency(app):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    ref = create_account(app, "resilimo", f"contenus.{uuid.uuid4().hex[:6]}@example.fr")
    with app.app_context(), tenant_scope(ref.tenant_id):
        account = db.session.get(Account, ref.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="test", actor_label="t")
        db.session.commit()
    return ref


def sending_row(reference) -> Sending:
    return db.session.scalar(select(Sending).where(Sending.reference == reference))


def test_the_files_of_a_letter_that_left_are_deleted_its_rows_and_proofs_kept(
    app, agency, monkeypatch
):
    from portal.core.accounts.models import Account
    from portal.core.sendings.jobs import dispatch_due

    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = create_sending(
            account=db.session.get(Account, agency.id),
            profile=None,
            owner="paper_test",
            channel=Channel.PAPER,
            title="Courrier",
            documents=[NewDocument("lettre.pdf", PDF_BYTES), NewDocument("annexe.pdf", PDF_BYTES)],
            sender=SENDER,
            recipient=recipient(),
            options={"mode": "lettre_suivie"},
            price_lines=[PriceLine("paper_letter", "Courrier", 250)],
        )
        validate_sending(sending)
        with pytest.raises(SendingError):  # the printer has not fetched it yet
            purge_contents(sending)
        reference = sending.reference
        keys = [document.storage_key for document in sending.documents]
        db.session.commit()
    with app.app_context(), unscoped():
        dispatch_due(None)
        db.session.commit()
    drain(app, timeout=60)
    shift_clock(monkeypatch, 12)
    run_printer(app)

    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_row(reference)
        assert sending.state == SendingState.DELIVERED
        assert all(storage().exists(key) for key in keys)
        assert not contents_purged(sending)
        assert purge_contents(sending) == 2
        db.session.commit()
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_row(reference)
        assert not any(storage().exists(key) for key in keys)
        assert [(d.filename, d.storage_key, d.pages) for d in sending.documents] == [
            ("lettre.pdf", "", 1),
            ("annexe.pdf", "", 1),
        ]
        assert contents_purged(sending)
        assert purge_contents(sending) == 0  # twice is once
        kinds = {proof.kind for proof in sending.proofs}
        assert {"deposit", "delivery"} <= kinds
        assert all(proof_bytes(proof).startswith(b"%PDF") for proof in sending.proofs)
        db.session.commit()
