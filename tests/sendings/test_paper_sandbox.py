"""The postal printer sandbox on its own: a letter received, printed, posted and delivered on
the postal calendar; returned NPAI, refused, not claimed; the AR card scanned; addresses
rejected and a printer down; one print job per delivery id; signed callbacks; sealed proofs."""

from __future__ import annotations

import json

import pytest
from paperkit import (
    callbacks_sent,
    codes,
    events,
    hand_over,
    job_row,
    letter,
    pdf_text,
    recipient,
    run_printer,
    shift_clock,
)

from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import (
    CallbackRejected,
    Channel,
    HandoverRejected,
    OperatorUnavailable,
    ProofKind,
    SendingState,
)
from portal.core.sendings.operators.paper_sandbox import PaperSandboxOperator
from portal.core.sendings.operators.paper_sandbox.operator import SIGNATURE_HEADER, sign
from portal.core.tenants import tenant_scope


def test_the_configured_paper_operator_is_the_sandbox(app):
    with app.app_context():
        assert isinstance(operator_for(Channel.PAPER), PaperSandboxOperator)


def test_a_letter_is_printed_posted_then_delivered_on_the_postal_calendar(
    app, tenant_ids, monkeypatch
):
    tenant = tenant_ids["resilimo"]
    accepted = hand_over(app, tenant, letter("lettre_suivie"))
    assert accepted.tracking_number.startswith("1L") and len(accepted.tracking_number) == 13
    reference = accepted.operator_ref
    assert codes(app, tenant, reference) == ["ACCEPTED"]
    assert job_row(app, tenant, reference).status == "received"

    run_printer(app)  # nothing is due yet: the printer works on its own clock
    assert codes(app, tenant, reference) == ["ACCEPTED"]

    shift_clock(monkeypatch, 0.05)  # an hour and some later: printed, enveloped
    run_printer(app)
    assert codes(app, tenant, reference) == ["ACCEPTED", "PROCESSED"]

    shift_clock(monkeypatch, 12)
    run_printer(app)
    found = events(app, tenant, reference)
    assert [e.code for e in found] == ["ACCEPTED", "PROCESSED", "A01", "D01"]
    assert [e.state for e in found][-1] == SendingState.DELIVERED
    assert all(e.state == SendingState.IN_PROGRESS for e in found[:-1])
    posted, delivered = found[2], found[3]
    assert posted.occurred_at < delivered.occurred_at
    assert posted.occurred_at.weekday() < 5 and delivered.occurred_at.weekday() < 5
    assert [p.kind for p in posted.proofs] == [ProofKind.DEPOSIT]
    assert [p.kind for p in delivered.proofs] == [ProofKind.DELIVERY]
    assert job_row(app, tenant, reference).status == "delivered"
    # Every event was posted to the portal, and polling answers the same ids again.
    assert callbacks_sent(app, tenant, reference) == [e.event_id for e in found]
    assert [e.event_id for e in events(app, tenant, reference)] == [e.event_id for e in found]


def test_npai_returns_the_letter_with_the_reason(app, tenant_ids, monkeypatch):
    tenant = tenant_ids["resilimo"]
    to = recipient(name="Paul NPAI Durand")
    reference = hand_over(app, tenant, letter("lettre_verte", to=to)).operator_ref
    shift_clock(monkeypatch, 20)
    run_printer(app)
    found = events(app, tenant, reference)
    assert [e.code for e in found] == ["ACCEPTED", "PROCESSED", "A01", "A26", "N10"]
    returned = found[-1]
    assert returned.state == SendingState.RETURNED
    assert "N'habite pas à l'adresse indiquée" in returned.detail
    assert [p.kind for p in returned.proofs] == [ProofKind.RETURN]
    assert "N'habite pas à l'adresse indiquée" in pdf_text(returned.proofs[0].content)


def test_a_registered_letter_refused_and_one_never_claimed(app, tenant_ids, monkeypatch):
    tenant = tenant_ids["resilimo"]
    refused = hand_over(
        app, tenant, letter("recommande", to=recipient(line="REFUS 3 rue Haute"))
    ).operator_ref
    waiting = hand_over(
        app, tenant, letter("recommande_ar", to=recipient(name="Marc Instance"))
    ).operator_ref
    shift_clock(monkeypatch, 10)
    run_printer(app)
    assert codes(app, tenant, refused) == ["ACCEPTED", "PROCESSED", "A01", "P04", "N05"]
    assert events(app, tenant, refused)[-1].state == SendingState.REFUSED
    # Avisé, it waits 15 days at the post office before going back.
    assert codes(app, tenant, waiting)[-1] == "P01"
    assert events(app, tenant, waiting)[-1].state == SendingState.IN_PROGRESS
    shift_clock(monkeypatch, 30)
    run_printer(app)
    found = events(app, tenant, waiting)
    assert [e.code for e in found] == ["ACCEPTED", "PROCESSED", "A01", "P01", "P03", "N03"]
    assert found[-1].state == SendingState.NOT_CLAIMED


def test_a_registered_letter_with_ar_ends_with_the_scanned_signed_card(
    app, tenant_ids, monkeypatch
):
    from portal.core.signatures.sealing import validate_pdf

    tenant = tenant_ids["resilimo"]
    accepted = hand_over(app, tenant, letter("recommande_ar"))
    assert accepted.tracking_number.startswith("1A") and len(accepted.tracking_number) == 13
    shift_clock(monkeypatch, 14)
    run_printer(app)
    found = events(app, tenant, accepted.operator_ref)
    assert [e.code for e in found] == ["ACCEPTED", "PROCESSED", "A01", "D01", "N01"]
    # Distributed is not the end: the signed card coming back is.
    assert found[3].state == SendingState.IN_PROGRESS
    assert found[4].state == SendingState.DELIVERED
    (scan,) = found[4].proofs
    assert scan.kind == ProofKind.AR_SCAN and scan.media_type == "application/pdf"
    text = pdf_text(scan.content)
    assert "AVIS DE RÉCEPTION" in text and accepted.tracking_number in text
    assert "Élodie Martin" in text
    with app.app_context():
        (check,) = validate_pdf(scan.content)
        assert check.intact and check.valid


def test_proofs_of_deposit_are_sealed_and_readable(app, tenant_ids, monkeypatch):
    from portal.core.signatures.sealing import validate_pdf

    tenant = tenant_ids["resilimo"]
    handover = letter("recommande")
    accepted = hand_over(app, tenant, handover)
    shift_clock(monkeypatch, 12)
    run_printer(app)
    posted = next(e for e in events(app, tenant, accepted.operator_ref) if e.code == "A01")
    (proof,) = posted.proofs
    assert proof.filename == f"preuve-de-depot-{accepted.operator_ref}.pdf"
    with app.app_context():
        (check,) = validate_pdf(proof.content)
    assert check.intact and check.valid and check.timestamped
    assert check.signer_name == "Imprimerie postale du bac à sable"
    text = pdf_text(proof.content)
    for expected in (
        "Preuve de dépôt",
        accepted.operator_ref,
        handover.delivery_id,
        accepted.tracking_number,
        "Lettre recommandée",
        "Agence Fournier Assurances",
        "Élodie Martin",
        "75016 Paris",
        "courrier.pdf",
    ):
        assert expected in text, expected


def test_a_hand_over_repeated_keeps_one_print_job(app, tenant_ids):
    tenant = tenant_ids["resilimo"]
    handover = letter("lettre_verte")
    first = hand_over(app, tenant, handover)
    again = hand_over(app, tenant, handover)
    assert again == first
    with app.app_context(), tenant_scope(tenant):
        operator = operator_for(Channel.PAPER)
        assert operator.find(handover.delivery_id) == first
        assert operator.find("ENV-never-handed-over") is None
    assert codes(app, tenant, first.operator_ref) == ["ACCEPTED"]


@pytest.mark.parametrize(
    ("to", "raised"),
    [
        (recipient(postal_code="00000"), HandoverRejected),
        (recipient(line=""), HandoverRejected),
        (recipient(name="Imprimerie PANNE"), OperatorUnavailable),
    ],
)
def test_scenarios_reject_the_address_or_find_the_printer_down(app, tenant_ids, to, raised):
    tenant = tenant_ids["resilimo"]
    handover = letter("lettre_verte", to=to)
    with pytest.raises(raised), app.app_context(), tenant_scope(tenant):
        operator_for(Channel.PAPER).hand_over(handover)
    with app.app_context(), tenant_scope(tenant):
        assert operator_for(Channel.PAPER).find(handover.delivery_id) is None


def test_a_callback_is_accepted_only_with_its_signature(app, tenant_ids):
    tenant = tenant_ids["resilimo"]
    reference = hand_over(app, tenant, letter("lettre_verte")).operator_ref
    with app.app_context(), tenant_scope(tenant):
        operator = operator_for(Channel.PAPER)
        (event_row,) = job_row_events(reference)
        body, headers = operator.callback(event_row)
        payload = json.loads(body)
        assert payload["event_type"] == "ON_STATUS_ACCEPTED"
        assert payload["resource_id"] == reference
        assert headers[SIGNATURE_HEADER] == sign("paper-sandbox-dev-secret", body)
        (event,) = operator.parse_callback(headers, body)
        assert event.event_id == f"{reference}-ACCEPTED" and event.code == "ACCEPTED"
        assert event.state == SendingState.IN_PROGRESS
        with pytest.raises(CallbackRejected):
            operator.parse_callback({}, body)
        with pytest.raises(CallbackRejected):
            operator.parse_callback(headers, body.replace(b"ACCEPTED", b"PROCESSED"))
        forged = {SIGNATURE_HEADER: sign("another-secret", body)}
        with pytest.raises(CallbackRejected):
            operator.parse_callback(forged, body)


def test_demo_speed_puts_seconds_between_steps(app, tenant_ids, monkeypatch):
    from portal.core.sendings.operators.paper_sandbox import rules

    with app.app_context():
        fast = PaperSandboxOperator({"PORTAL_PAPER_SANDBOX_SPEED": "5"})
    assert fast.step_seconds == 5.0
    steps = rules.plan(REFERENCE_MOMENT, "lettre_verte", rules.NORMAL, 5.0)
    assert [(s.code, (s.at - REFERENCE_MOMENT).seconds) for s in steps] == [
        ("PROCESSED", 5),
        ("A01", 10),
        ("D01", 15),
    ]


def test_the_postal_calendar_skips_weekends_and_public_holidays():
    from datetime import date

    from portal.core.sendings.operators.paper_sandbox import rules

    assert rules.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # Christmas
    assert rules.add_business_days(date(2027, 3, 26), 1) == date(2027, 3, 30)  # Easter Monday
    steps = rules.plan(REFERENCE_MOMENT, "lettre_verte", rules.NORMAL, None)
    # Received Friday 4 Dec 2026 at 16:00 Paris: posted Monday, delivered Wednesday.
    assert [(s.code, s.at.date().isoformat()) for s in steps] == [
        ("PROCESSED", "2026-12-04"),
        ("A01", "2026-12-07"),
        ("D01", "2026-12-09"),
    ]


def test_the_printer_posts_on_the_day_the_portal_promised():
    from datetime import date, datetime

    from portal.core.sendings.operators.paper_sandbox import rules

    def posted(post_on):
        steps = rules.plan(REFERENCE_MOMENT, "lettre_verte", rules.NORMAL, None, post_on)
        return {s.code: s.at.date() for s in steps}

    # Received Friday 4 Dec 2026: its own pick-up is Monday 7; a promise of Thursday 10 waits.
    assert posted(date(2026, 12, 10)) == {
        "PROCESSED": date(2026, 12, 4),
        "A01": date(2026, 12, 10),
        "D01": date(2026, 12, 14),
    }
    # An earlier promise (or none) does not hurry the printer; a promised Saturday is Monday's.
    assert posted(date(2026, 12, 4))["A01"] == posted(None)["A01"] == date(2026, 12, 7)
    assert posted(date(2026, 12, 12))["A01"] == date(2026, 12, 14)
    assert posted(date(2026, 12, 24))["A01"] == date(2026, 12, 24)
    assert posted(date(2026, 12, 25))["A01"] == date(2026, 12, 28)  # Christmas
    # Received on a business morning and promised that day (validated before 10:30): posted at
    # the afternoon pick-up of that very day.
    morning = datetime(2026, 12, 3, 9, 0, tzinfo=rules.PARIS)
    steps = rules.plan(morning, "lettre_verte", rules.NORMAL, None, date(2026, 12, 3))
    [a01] = [step for step in steps if step.code == "A01"]
    assert a01.at == datetime(2026, 12, 3, 15, 0, tzinfo=rules.PARIS)


def test_a_hand_over_with_a_post_on_option_is_posted_that_day(app, tenant_ids, monkeypatch):
    from dataclasses import replace

    from portal.core import clock
    from portal.core.calendar import add_business_days
    from portal.core.sendings.operators.paper_sandbox.rules import PARIS

    tenant = tenant_ids["resilimo"]
    promised = add_business_days(clock.now().astimezone(PARIS).date(), 4)
    options = {"mode": "lettre_suivie", "post_on": promised.isoformat()}
    reference = hand_over(app, tenant, replace(letter(), options=options)).operator_ref
    shift_clock(monkeypatch, 20)
    run_printer(app)
    found = {e.code: e.occurred_at.astimezone(PARIS).date() for e in events(app, tenant, reference)}
    assert found["A01"] == promised
    assert found["D01"] == add_business_days(promised, 1)
    # A promise the printer cannot read is refused, not guessed.
    bad = replace(letter(), options={"mode": "lettre_verte", "post_on": "demain"})
    with app.app_context(), tenant_scope(tenant), pytest.raises(HandoverRejected, match="dépôt"):
        operator_for(Channel.PAPER).hand_over(bad)


def job_row_events(reference):
    from sqlalchemy import select

    from portal.core.sendings.operators.paper_sandbox.models import (
        PaperSandboxEvent,
        PaperSandboxJob,
    )
    from portal.extensions import db

    return db.session.scalars(
        select(PaperSandboxEvent)
        .join(PaperSandboxJob)
        .where(PaperSandboxJob.reference == reference)
    ).all()


def _moment():
    from datetime import datetime

    from portal.core.sendings.operators.paper_sandbox.rules import PARIS

    return datetime(2026, 12, 4, 16, 0, tzinfo=PARIS)


REFERENCE_MOMENT = _moment()


def test_the_printers_tracking_page_shows_the_steps_and_serves_the_ar_scan(
    app, tenant_ids, client_for, monkeypatch
):
    tenant = tenant_ids["resilimo"]
    accepted = hand_over(app, tenant, letter("recommande_ar"))
    shift_clock(monkeypatch, 14)
    run_printer(app)
    page = client_for("resilimo").get(f"/_sandbox/courrier/{accepted.operator_ref}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("A01", "Pris en charge", "N01", "AR Signé", accepted.tracking_number):
        assert expected in html, expected
    links = [part.split('"')[0] for part in html.split('href="')[1:] if "/preuve/" in part]
    assert len(links) == 3  # deposit, distribution, AR card
    scan = client_for("resilimo").get(links[-1])
    assert scan.status_code == 200 and scan.data.startswith(b"%PDF")
    assert "avis-de-reception" in scan.headers["Content-Disposition"]
    # Another tenant's host does not know it.
    assert client_for("msr").get(f"/_sandbox/courrier/{accepted.operator_ref}").status_code == 404


def test_at_demo_speed_each_step_wakes_the_printer_by_itself(app, tenant_ids, monkeypatch):
    from portal.core import clock
    from portal.core.jobs import drain, sweep
    from portal.core.jobs.runtime import get_runtime

    monkeypatch.setitem(app.config, "PORTAL_PAPER_SANDBOX_SPEED", "2")
    monkeypatch.setitem(app.extensions, "portal.sending_operators", {})
    tenant = tenant_ids["resilimo"]
    reference = hand_over(app, tenant, letter("lettre_verte")).operator_ref
    for seconds in (3, 5, 7):  # no periodic run: the scheduler's sweep sends what is due
        shift_clock(monkeypatch, seconds / 86400)
        with app.app_context():
            sweep(get_runtime(app), clock.now())
        drain(app, timeout=60)
    assert codes(app, tenant, reference) == ["ACCEPTED", "PROCESSED", "A01", "D01"]
