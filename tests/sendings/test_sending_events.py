"""The operators' events reach a sending by a signed callback and by polling, either first,
twice, or late: each is applied once, the state ends right, the timeline keeps each event once,
proofs go to the evidence archive, and the plugin and the profile hear each state once. A
callback on another tenant's host cannot touch this tenant's sendings."""

from __future__ import annotations

import io
import zipfile

from sendingkit import (
    callback_body,
    emails,
    make_agency,
    make_sending,
    memory_fixture,  # noqa: F401 - the ``memory`` fixture
    run_periodic,
    sending_of,
    states_fixture,  # noqa: F401 - the ``states`` fixture
)
from sqlalchemy import select

from portal.core.evidence.models import EvidenceRecord
from portal.core.jobs import drain
from portal.core.sendings import (
    Channel,
    ProofKind,
    SendingState,
    apply_operator_events,
    jobs,
    proofs_zip,
)
from portal.core.sendings.callbacks import callback_path, post_callback
from portal.core.sendings.operators.base import ProofFile
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import tenant_client


def _handed_over(app, memory, agency, channel=Channel.LRE) -> tuple[str, str]:
    reference = make_sending(app, agency, channel=channel)
    run_periodic(app, jobs.dispatch_due)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        assert sending.state == SendingState.HANDED_OVER
        return reference, sending.delivery_id


def _timeline(app, agency, reference):
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        return sending.state, [
            (e.event_id, e.state.value, e.code, e.source, e.applied)
            for e in sending.events
            if e.event_id
        ]


def test_a_callback_then_the_same_event_by_polling_is_applied_once(app, memory, states):
    agency = make_agency(app)
    reference, delivery_id = _handed_over(app, memory, agency)
    operator = memory[Channel.LRE]
    notified = operator.event(delivery_id, "ev-1", SendingState.IN_PROGRESS, "notified")
    accepted = operator.event(
        delivery_id,
        "ev-2",
        SendingState.DELIVERED,
        "AR24:accepted",
        minutes=5,
        proofs=[ProofFile(ProofKind.ACCEPTANCE, "preuve-reception.pdf", b"%PDF-1.7 proof")],
    )
    with app.app_context():
        body, headers = callback_body(notified, accepted)
        assert post_callback(agency.tenant_id, Channel.LRE, "memory", body, headers) == 200
        assert post_callback(agency.tenant_id, Channel.LRE, "memory", body, headers) == 200
    run_periodic(app, jobs.poll_operators)  # the same two events, pulled
    state, timeline = _timeline(app, agency, reference)
    assert state == SendingState.DELIVERED
    assert timeline == [
        ("ev-1", "in_progress", "notified", "callback", True),
        ("ev-2", "delivered", "AR24:accepted", "callback", True),
    ]
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = sending_of(reference)
        [proof] = sending.proofs
        assert proof.kind == "acceptance"
        record = db.session.get(EvidenceRecord, proof.evidence_record_id)
        assert record.kind == "lre_acceptance"
        assert sending.completed_at is not None
        with zipfile.ZipFile(io.BytesIO(proofs_zip(sending))) as bundle:
            assert bundle.namelist() == ["01-acceptance-preuve-reception.pdf"]
            assert bundle.read(bundle.namelist()[0]) == b"%PDF-1.7 proof"
    drain(app)
    told = [s for r, s in states.calls if r == reference]
    assert told == ["validated", "scheduled", "handed_over", "in_progress", "delivered"]
    mails = [m for m in emails(app, agency.tenant_id) if reference in (m.body_text or "")]
    assert len(mails) == 2  # handed over, accepted: each once
    assert "a accepté la lettre recommandée électronique" in mails[1].body_text


def test_out_of_order_events_end_in_the_right_state(app, memory, states):
    agency = make_agency(app)
    reference, delivery_id = _handed_over(app, memory, agency, Channel.PAPER)
    operator = memory[Channel.PAPER]
    printing = operator.event(delivery_id, "p-1", SendingState.IN_PROGRESS, "P01")
    returned = operator.event(delivery_id, "p-2", SendingState.RETURNED, "N01", minutes=60)
    with app.app_context():
        for event in (returned, printing):  # the end first, then a late intermediate step
            body, headers = callback_body(event)
            assert post_callback(agency.tenant_id, Channel.PAPER, "memory", body, headers) == 200
    state, timeline = _timeline(app, agency, reference)
    assert state == SendingState.RETURNED
    assert sorted(timeline) == [
        ("p-1", "in_progress", "P01", "callback", False),  # kept, the state not moved back
        ("p-2", "returned", "N01", "callback", True),
    ]
    drain(app)
    told = [s for r, s in states.calls if r == reference]
    assert told.count("returned") == 1 and "in_progress" not in told
    mails = [m for m in emails(app, agency.tenant_id) if reference in (m.body_text or "")]
    assert sum("retourné à l'expéditeur" in m.body_text for m in mails) == 1


def test_a_terminal_state_is_never_left(app, memory):
    agency = make_agency(app)
    reference, delivery_id = _handed_over(app, memory, agency)
    operator = memory[Channel.LRE]
    refused = operator.event(delivery_id, "r-1", SendingState.REFUSED, "refused")
    accepted = operator.event(delivery_id, "r-2", SendingState.DELIVERED, "accepted")
    with app.app_context(), tenant_scope(agency.tenant_id):
        apply_operator_events(Channel.LRE, [refused, accepted], "poll")
        db.session.commit()
    state, timeline = _timeline(app, agency, reference)
    assert state == SendingState.REFUSED
    assert [t[0] for t in timeline] == ["r-1", "r-2"]


def test_a_callback_needs_the_operator_signature(app, memory):
    agency = make_agency(app)
    reference, delivery_id = _handed_over(app, memory, agency)
    event = memory[Channel.LRE].event(delivery_id, "x-1", SendingState.DELIVERED, "accepted")
    body, headers = callback_body(event)
    client = tenant_client(app, "resilimo")
    with app.app_context():
        path = callback_path(Channel.LRE, "memory")
    forged = client.post(path, data=body, headers={**headers, "X-Memory-Signature": "0" * 64})
    assert forged.status_code == 401
    missing = client.post(path, data=body)
    assert missing.status_code == 401
    other_operator = client.post("/_operators/lre/ar24/callback", data=body, headers=headers)
    assert other_operator.status_code == 404
    assert _timeline(app, agency, reference) == (SendingState.HANDED_OVER, [])
    assert client.post(path, data=body, headers=headers).status_code == 200
    assert _timeline(app, agency, reference)[0] == SendingState.DELIVERED


def test_another_tenant_host_cannot_touch_this_tenant_sending(app, memory):
    agency = make_agency(app)
    reference, delivery_id = _handed_over(app, memory, agency)
    event = memory[Channel.LRE].event(delivery_id, "w-1", SendingState.REFUSED, "refused")
    body, headers = callback_body(event)
    with app.app_context():
        path = callback_path(Channel.LRE, "memory")
    answer = tenant_client(app, "msr").post(path, data=body, headers=headers)
    assert answer.status_code == 200  # nothing of this tenant's is named: nothing applied
    assert _timeline(app, agency, reference) == (SendingState.HANDED_OVER, [])
    with app.app_context():
        assert sending_count_elsewhere(app, "msr") == 0


def sending_count_elsewhere(app, slug) -> int:
    from portal.core.sendings.models import SendingEvent
    from portal.core.tenants import tenant_directory

    with tenant_scope(tenant_directory().by_slug(slug).id):
        return len(db.session.scalars(select(SendingEvent)).all())
