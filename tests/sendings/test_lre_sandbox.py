"""The sandbox LRE operator, run for real through its own tables, jobs, emails and pages: a
letter handed over is deposited, the recipient notified by the operator, identified, and the
letter accepted, refused or left unclaimed for 15 days — each step an event with a sealed proof."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lrekit import (
    RECIPIENT_NAME,
    codes,
    events,
    hand_over,
    handover,
    link_in,
    mails_to,
    pdf_text,
    run_periodic,
)
from sqlalchemy import func, select
from webkit import text_of

from portal.core import clock
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import (
    CallbackRejected,
    Channel,
    HandoverRejected,
    OperatorUnavailable,
    ProofKind,
    SendingState,
)
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token


def _post(client, path: str, data: dict, action: str | None = None):
    token = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(action or path, data={**data, "csrf_token": token})


def test_the_recipient_identifies_then_accepts_and_every_step_is_proven(
    app, tenant_ids, client_for
):
    tenant = tenant_ids["resilimo"]
    email = "elodie.martin@example.org"
    reference = hand_over(app, tenant, handover(email))

    (notice,) = mails_to(app, tenant, email)
    assert notice.subject == "Vous avez reçu une lettre recommandée électronique"
    assert "Bac à sable LRE" in notice.sender
    assert "Jean Fournier" not in notice.body_text  # the sender stays unknown until accepted
    assert codes(app, tenant, reference) == ["waiting", "sent"]

    client = client_for("resilimo")
    path = link_in(notice)
    page = text_of(client.get(path))
    assert "Identifiez-vous" in page and "LRE simple" in page
    assert "Jean Fournier" not in page

    wrong = _post(client, path, {"name": "Paul Durand", "confirm": "y"})
    assert "Ce nom ne correspond pas" in text_of(wrong)
    assert _post(client, path, {"name": "elodie  MARTIN", "confirm": "y"}).status_code == 302
    assert "Accepter la lettre" in text_of(client.get(path))
    accepted = _post(client, path, {"decision": "accepter"}, action=path + "/decision")
    assert accepted.status_code == 302

    page = text_of(client.get(path))
    assert "Lettre acceptée" in page and "Jean Fournier" in page
    document = client.get(path + "/document/1")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")

    found = events(app, tenant, reference)
    assert [event.code for event in found] == ["waiting", "sent", "AR"]
    assert [event.state for event in found] == [
        SendingState.HANDED_OVER,
        SendingState.IN_PROGRESS,
        SendingState.DELIVERED,
    ]
    assert [event.event_id for event in found] == [
        f"{reference}-{c}" for c in ("waiting", "sent", "AR")
    ]
    assert [proof.kind for event in found for proof in event.proofs] == [
        ProofKind.DEPOSIT,
        ProofKind.NOTIFICATION,
        ProofKind.ACCEPTANCE,
    ]
    # Polled again: the same events, the same proofs.
    assert events(app, tenant, reference) == found


def test_proofs_are_sealed_pdfs_carrying_the_r53_fields(app, tenant_ids):
    from portal.core.signatures.sealing import validate_pdf

    tenant = tenant_ids["resilimo"]
    email = "elodie.martin+accepte@example.org"
    reference = hand_over(app, tenant, handover(email))
    found = events(app, tenant, reference)
    assert [event.code for event in found] == ["waiting", "sent", "AR"]
    with app.app_context():
        for event in found:
            (proof,) = event.proofs
            (check,) = validate_pdf(proof.content)
            assert check.intact and check.valid and check.signer_name == "Bac à sable LRE"
    receipt = pdf_text(found[-1].proofs[0].content)
    for text in (
        "Preuve de réception",
        reference,
        found[-1].delivery_id,
        "Jean Fournier",
        "jean.fournier@agence-fournier.fr",
        RECIPIENT_NAME,
        email,
        "Dépôt",
        "Notification du destinataire",
        "resiliation.pdf",
        "SHA-256",
    ):
        assert text in receipt, text


def test_a_qualified_letter_asks_the_recipient_for_an_emailed_code_before_refusing(
    app, tenant_ids, client_for
):
    tenant = tenant_ids["resilimo"]
    email = "elodie.martin@assureur.example"
    reference = hand_over(app, tenant, handover(email, identified=True))
    (notice,) = mails_to(app, tenant, email)
    assert "qualifiée" in notice.body_text
    client = client_for("resilimo")
    path = link_in(notice)
    assert "LRE qualifiée" in text_of(client.get(path))

    refused_early = _post(client, path, {"decision": "refuser"}, action=path + "/decision")
    assert refused_early.status_code == 302
    assert codes(app, tenant, reference) == ["waiting", "sent"]

    _post(client, path, {"name": RECIPIENT_NAME, "confirm": "y"})
    assert "code à usage unique" in text_of(client.get(path))
    (code_mail,) = mails_to(app, tenant, email)[1:]
    code = code_mail.body_text.split("est : ")[1][:6]
    wrong = _post(
        client, path, {"code": "000000" if code != "000000" else "111111"}, path + "/code"
    )
    assert "Code incorrect" in text_of(wrong)
    assert _post(client, path, {"code": code}, path + "/code").status_code == 302
    _post(client, path, {"decision": "refuser"}, action=path + "/decision")

    assert "Lettre refusée" in text_of(client.get(path))
    found = events(app, tenant, reference)
    assert [event.code for event in found] == ["waiting", "sent", "refused"]
    assert found[-1].state == SendingState.REFUSED
    refusal = pdf_text(found[-1].proofs[0].content)
    assert "Preuve de refus" in refusal and "LRE qualifiée eIDAS" in refusal


def test_a_letter_unclaimed_for_15_days_from_the_day_after_notification_is_neglected(
    app, tenant_ids, monkeypatch
):
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_negligence
    from portal.core.sendings.operators.lre_sandbox.rules import OPERATOR_ZONE

    tenant = tenant_ids["resilimo"]
    reference = hand_over(app, tenant, handover("elodie.martin+neglige@example.org"))
    assert codes(app, tenant, reference) == ["waiting", "sent"]
    notified = events(app, tenant, reference)[1].occurred_at
    # The 15 days start the day after the notification: the last one ends at midnight, Paris.
    day = notified.astimezone(OPERATOR_ZONE).date()
    real_now = clock.now
    last_minute = real_now().astimezone(OPERATOR_ZONE).replace(
        year=day.year, month=day.month, day=day.day, hour=23, minute=59
    ) + timedelta(days=15)
    monkeypatch.setattr(clock, "now", lambda: last_minute)
    run_periodic(app, lre_sandbox_negligence)
    assert codes(app, tenant, reference) == ["waiting", "sent"]

    monkeypatch.setattr(clock, "now", lambda: last_minute + timedelta(minutes=2))
    run_periodic(app, lre_sandbox_negligence)
    run_periodic(app, lre_sandbox_negligence)  # twice: nothing more
    found = events(app, tenant, reference)
    assert [event.code for event in found] == ["waiting", "sent", "negligence"]
    assert found[-1].state == SendingState.NOT_CLAIMED
    assert "Preuve de négligence" in pdf_text(found[-1].proofs[0].content)


def test_scenarios_refuse_at_once_or_fail_the_hand_over(app, tenant_ids):
    tenant = tenant_ids["resilimo"]
    refused = hand_over(app, tenant, handover("camille+refuse@example.org"))
    assert codes(app, tenant, refused) == ["waiting", "sent", "refused"]

    with app.app_context(), tenant_scope(tenant):
        operator = operator_for(Channel.LRE)
        with pytest.raises(OperatorUnavailable):
            operator.hand_over(handover("camille+panne@example.org", delivery_id="ENV-PANNE"))
        with pytest.raises(HandoverRejected):
            operator.hand_over(handover("camille+rejet@example.org", delivery_id="ENV-REJET"))
        assert operator.find("ENV-PANNE") is None and operator.find("ENV-REJET") is None


def test_an_undeliverable_notification_bounces(app, tenant_ids):
    tenant = tenant_ids["resilimo"]
    reference = hand_over(app, tenant, handover("personne@nowhere.invalid"))
    found = events(app, tenant, reference)
    assert [event.code for event in found] == ["waiting", "bounced"]
    assert found[-1].state == SendingState.FAILED


def test_a_hand_over_repeated_keeps_one_letter_and_one_notification(app, tenant_ids):
    from portal.core.sendings.operators.lre_sandbox.models import LreSandboxDeposit

    tenant = tenant_ids["resilimo"]
    email = "elodie.martin+neglige@example.org"
    letter = handover(email, delivery_id="ENV-TWICE-1")
    first = hand_over(app, tenant, letter)
    assert hand_over(app, tenant, letter) == first
    with app.app_context(), tenant_scope(tenant):
        assert operator_for(Channel.LRE).find("ENV-TWICE-1").operator_ref == first
        count = db.session.scalar(
            select(func.count()).where(LreSandboxDeposit.delivery_id == "ENV-TWICE-1")
        )
    assert count == 1
    assert len(mails_to(app, tenant, email)) == 1
    assert codes(app, tenant, first) == ["waiting", "sent"]


def test_a_callback_is_accepted_only_with_its_signature(app, tenant_ids):
    from portal.core.sendings.operators.lre_sandbox.models import LreSandboxEvent
    from portal.core.sendings.operators.lre_sandbox.operator import (
        SIGNATURE_HEADER,
        callback_request,
    )

    tenant = tenant_ids["resilimo"]
    reference = hand_over(app, tenant, handover("camille+accepte@example.org"))
    with app.app_context(), tenant_scope(tenant):
        operator = operator_for(Channel.LRE)
        row = db.session.scalar(
            select(LreSandboxEvent).where(LreSandboxEvent.event_id == f"{reference}-AR")
        )
        body, headers = callback_request(row)
        (event,) = operator.parse_callback(headers, body)
        assert (event.code, event.state, event.operator_ref) == (
            "AR",
            SendingState.DELIVERED,
            reference,
        )
        assert event.proofs[0].kind == ProofKind.ACCEPTANCE
        lower = {key.lower(): value for key, value in headers.items()}
        assert operator.parse_callback(lower, body)[0].event_id == event.event_id
        with pytest.raises(CallbackRejected):
            operator.parse_callback(headers, body.replace(b'"AR"', b'"refused"'))
        with pytest.raises(CallbackRejected):
            operator.parse_callback({}, body)
        with pytest.raises(CallbackRejected):
            operator.parse_callback({SIGNATURE_HEADER: "sha256=" + "0" * 64}, body)
    # Another tenant's host does not know the event.
    with app.app_context(), tenant_scope(tenant_ids["msr"]), pytest.raises(CallbackRejected):
        operator_for(Channel.LRE).parse_callback(headers, body)


def test_the_recipient_page_is_only_on_its_tenants_host(app, tenant_ids, client_for):
    tenant = tenant_ids["resilimo"]
    email = "elodie.martin@example.net"
    hand_over(app, tenant, handover(email))
    path = link_in(mails_to(app, tenant, email)[0])
    assert client_for("resilimo").get(path).status_code == 200
    assert client_for("msr").get(path).status_code == 404
    assert client_for("resilimo").get("/_sandbox/lre/inconnu").status_code == 404
    assert client_for("resilimo").get(path + "/document/1").status_code == 404  # not accepted


def test_with_a_delay_the_operator_notifies_later_on_its_own_time(app, tenant_ids, monkeypatch):
    from portal.core.jobs import drain
    from portal.core.jobs.outbox import sweep
    from portal.core.jobs.runtime import get_runtime

    tenant = tenant_ids["resilimo"]
    email = "elodie.martin+accepte@later.example"
    monkeypatch.setitem(app.config, "PORTAL_LRE_SANDBOX_DELAY_SECONDS", 30)
    reference = hand_over(app, tenant, handover(email))
    assert codes(app, tenant, reference) == [] and mails_to(app, tenant, email) == []

    later = clock.now() + timedelta(seconds=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    with app.app_context():
        sweep(get_runtime(app), later)
    drain(app)
    assert codes(app, tenant, reference) == ["waiting", "sent", "AR"]
    assert len(mails_to(app, tenant, email)) == 1
