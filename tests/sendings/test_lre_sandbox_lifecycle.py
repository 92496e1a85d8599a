"""An LRE sending through the whole portal and the sandbox operator alone: validated (charged),
due, handed over by the scheduler's job, then moved by the sandbox's own signed callbacks — to
acceptance, refusal on the recipient's page and negligence after 15 days — with each proof in the
evidence archive; a repeated or late callback and a poll change nothing."""

from __future__ import annotations

from datetime import timedelta

from lrekit import link_in, mails_to, run_periodic
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.sendings.operators.base import Channel, Party, SendingState
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import create_account
from portal.testing.web import csrf_token

OWNER = "lre_sandbox_test"


def make_agency(app, email: str):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    agency = create_account(app, "resilimo", email)
    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="t", actor_label="t")
        db.session.commit()
    return agency


def send_lre(app, agency, recipient_email: str) -> str:
    """Create and validate an LRE sending due now, then let the scheduler hand it over."""
    from portal.core.accounts.models import Account
    from portal.core.sendings import operations
    from portal.core.sendings.jobs import dispatch_due

    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        sending = operations.create_sending(
            account=account,
            profile=account.holder_profile,
            owner=OWNER,
            channel=Channel.LRE,
            title="Résiliation contrat AUTO-123",
            documents=[operations.NewDocument("lettre.pdf", PDF_BYTES)],
            sender=Party("Camille Durand", email="camille.durand@example.org"),
            recipient=Party("Élodie Martin", email=recipient_email),
            options={"qualified": False},
            price_lines=[operations.PriceLine("lre", "Lettre recommandée électronique", 399)],
        )
        operations.validate_sending(sending)
        reference = sending.reference
        db.session.commit()
    run_periodic(app, dispatch_due)
    return reference


def timeline(app, tenant_id: int, reference: str):
    from portal.core.jobs import drain
    from portal.core.sendings.models import Sending

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        sending = db.session.scalar(select(Sending).where(Sending.reference == reference))
        lines = [(line.code, line.source) for line in sending.events if line.code]
        proofs = sorted(proof.kind for proof in sending.proofs)
        return sending.state, lines, proofs


def test_accepted_at_once_through_the_callbacks_with_every_proof(app):
    from portal.core.sendings.jobs import poll_operators
    from portal.core.sendings.models import Sending
    from portal.core.sendings.operators.lre_sandbox.models import LreSandboxEvent
    from portal.core.sendings.operators.lre_sandbox.operator import callback_request

    agency = make_agency(app, "agence.lre.accepte@example.fr")
    reference = send_lre(app, agency, "elodie.martin+accepte@example.org")
    state, lines, proofs = timeline(app, agency.tenant_id, reference)
    assert state == SendingState.DELIVERED
    assert [code for code, source in lines if source == "callback"] == ["waiting", "sent", "AR"]
    assert proofs == ["acceptance", "deposit", "notification"]

    # The same callback again, a late "sent" and a poll: nothing moves, nothing is added.
    from portal.core.sendings.callbacks import post_callback

    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = db.session.scalar(select(Sending).where(Sending.reference == reference))
        rows = db.session.scalars(
            select(LreSandboxEvent)
            .where(LreSandboxEvent.event_id.like(f"{sending.operator_ref}-%"))
            .order_by(LreSandboxEvent.id)
        ).all()
        for row in (rows[-1], rows[1]):
            body, headers = callback_request(row)
            assert post_callback(agency.tenant_id, "lre", "sandbox", body, headers) == 200
    run_periodic(app, poll_operators)
    assert timeline(app, agency.tenant_id, reference) == (state, lines, proofs)


def test_refused_on_the_recipients_page(app, client_for):
    agency = make_agency(app, "agence.lre.refus@example.fr")
    email = "elodie.martin@assureur-refus.example"
    reference = send_lre(app, agency, email)
    assert timeline(app, agency.tenant_id, reference)[0] == SendingState.IN_PROGRESS

    client = client_for("resilimo")
    path = link_in(mails_to(app, agency.tenant_id, email)[0])
    for action, data in (
        (path, {"name": "Élodie Martin", "confirm": "y"}),
        (path + "/decision", {"decision": "refuser"}),
    ):
        token = csrf_token(client.get(path).get_data(as_text=True))
        assert client.post(action, data={**data, "csrf_token": token}).status_code == 302

    state, lines, proofs = timeline(app, agency.tenant_id, reference)
    assert state == SendingState.REFUSED
    assert [code for code, _ in lines if _ == "callback"] == ["waiting", "sent", "refused"]
    assert "refusal" in proofs


def test_not_claimed_after_15_days(app, monkeypatch):
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_negligence

    agency = make_agency(app, "agence.lre.neglige@example.fr")
    reference = send_lre(app, agency, "elodie.martin+neglige@example.org")
    assert timeline(app, agency.tenant_id, reference)[0] == SendingState.IN_PROGRESS

    later = clock.now() + timedelta(days=17)
    monkeypatch.setattr(clock, "now", lambda: later)
    run_periodic(app, lre_sandbox_negligence)
    state, lines, proofs = timeline(app, agency.tenant_id, reference)
    assert state == SendingState.NOT_CLAIMED
    assert lines[-1] == ("negligence", "callback")
    assert "negligence" in proofs
