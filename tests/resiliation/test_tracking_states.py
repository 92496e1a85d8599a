"""« Suivi »: every tracking state of SPEC §4 in French, from the letter, its sending and its
mandate's hold; and the legal clock (15 days from the day after the first notification, as the
operator counts them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from letterkit import make_letter
from webkit import PDF_BYTES

from plugins.resiliation import tracking
from plugins.resiliation.models import Letter, LetterState, Review
from plugins.resiliation.rules import Sender, SendType
from portal.core import clock
from portal.core.sendings import operations
from portal.core.sendings.operators.base import Channel, Party, SendingState
from portal.core.tenants import tenant_scope
from portal.extensions import db

FUTURE = date(2031, 3, 14)


@pytest.fixture
def agency(app, make_account):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    ref = make_account("resilimo", email="agence.etats@agence-fournier.fr")
    with app.app_context(), tenant_scope(ref.tenant_id):
        adjust(
            db.session.get(Account, ref.id), 5000, reason="t", idempotency_key="t", actor_label="t"
        )
        db.session.commit()
    return ref


def tracked(
    app, agency, *, sending_state=None, held=None, prepare=None, detailed=True, **letter_fields
):
    """The tracking of a letter (``letter_fields``) whose sending — validated unless
    ``sending_state`` is None — is moved to ``sending_state``; ``prepare(letter, sending)`` runs
    before it is read."""
    letter_id = make_letter(app, agency, **letter_fields)
    with app.app_context(), tenant_scope(agency.tenant_id):
        from portal.core.accounts.models import Account

        letter = db.session.get(Letter, letter_id)
        sending = None
        if sending_state is not None:
            account = db.session.get(Account, agency.id)
            sending = operations.create_sending(
                account=account,
                profile=account.holder_profile,
                owner="resiliation",
                channel=Channel.LRE,
                title="Résiliation Dupont Jean",
                documents=[operations.NewDocument("lettre.pdf", PDF_BYTES)],
                sender=Party("Agence Fournier", email="a@example.org"),
                recipient=Party("MAAF", email="resiliation@maaf.example"),
                price_lines=[operations.PriceLine("resiliation.lrar", "LRAR", 378)],
                subject=letter,
                held_for=held,
            )
            due = datetime.combine(FUTURE, datetime.min.time(), tzinfo=tracking.PARIS)
            operations.validate_sending(sending, due_at=due)
            letter.state = LetterState.VALIDATED
            letter.sending = sending
            if sending_state not in (SendingState.SCHEDULED,):
                sending.state = sending_state
        if prepare is not None:
            prepare(letter, sending)
        db.session.flush()
        result = tracking.state_of(letter, detailed=detailed)
        db.session.rollback()
        return result


def test_draft_is_not_sent(app, agency):
    state = tracked(app, agency)
    assert (state.code, state.label) == ("not_sent", "Non envoyée")


def test_scheduled_with_its_day_and_manager(app, agency):
    state = tracked(app, agency, sending_state=SendingState.SCHEDULED)
    assert state.code == "scheduled"
    assert state.label == "Envoi programmé le 14/03/2031, géré par Jean Fournier"


def test_first_letter_waits_for_the_check(app, agency):
    def pending(letter, sending):
        letter.review = Review.PENDING

    state = tracked(
        app, agency, sending_state=SendingState.SCHEDULED, held="review", prepare=pending
    )
    assert state.code == "scheduled"
    assert "notre équipe vérifie la lettre" in state.detail

    def pending_and_due(letter, sending):
        letter.review = Review.PENDING
        sending.due_at = clock.now() - timedelta(hours=1)

    state = tracked(
        app, agency, sending_state=SendingState.SCHEDULED, held="review", prepare=pending_and_due
    )
    assert state.code == "scheduled"
    assert "notre équipe vérifie la lettre" in state.detail


def test_mandate_signature_to_start_before_the_deadline(app, agency):
    state = tracked(
        app,
        agency,
        sending_state=SendingState.SCHEDULED,
        held="review+mandate_signature",
        sender=Sender.PLATFORM,
        send_date=FUTURE,
    )
    assert state.code == "mandate_to_sign"
    assert state.label == "Signature du mandat à démarrer avant le 14/03/2031"


def test_due_is_in_transit(app, agency):
    assert tracked(app, agency, sending_state=SendingState.DUE).label == "En cours d'acheminement"

    def overdue(letter, sending):
        sending.due_at = clock.now() - timedelta(minutes=1)

    state = tracked(app, agency, sending_state=SendingState.SCHEDULED, prepare=overdue)
    assert state.label == "En cours d'acheminement"


@pytest.mark.parametrize("state", [SendingState.HANDED_OVER, SendingState.IN_PROGRESS])
def test_at_the_operator_is_deposited(app, agency, state):
    result = tracked(app, agency, sending_state=state)
    assert (result.code, result.label) == ("deposited", "Déposée")


def test_accepted_lrar_is_signed_and_lr_picked_up(app, agency):
    signed = tracked(app, agency, sending_state=SendingState.DELIVERED, send_type=SendType.LRAR)
    assert (signed.code, signed.label, signed.tone) == ("signed", "Signée", "success")
    picked = tracked(app, agency, sending_state=SendingState.DELIVERED, send_type=SendType.LR)
    assert (picked.code, picked.label) == ("picked_up", "Relevée")


def test_refused_and_failed(app, agency):
    assert tracked(app, agency, sending_state=SendingState.REFUSED).label == (
        "Refusée par le destinataire"
    )
    assert tracked(app, agency, sending_state=SendingState.FAILED).label == "Envoi en échec"


def test_not_claimed_then_resent(app, agency):
    lapsed = tracked(app, agency, sending_state=SendingState.NOT_CLAIMED)
    assert lapsed.label == (
        "Non relevée par le destinataire dans le délai de 15 jours de mise à disposition"
    )
    resent = tracked(app, agency, sending_state=SendingState.IN_PROGRESS, resend_count=1)
    assert resent.code == "resent"
    assert resent.label == (
        "Non relevée par le destinataire dans le délai de 15 jours de mise à disposition, "
        "puis renvoyée"
    )
    accepted = tracked(app, agency, sending_state=SendingState.DELIVERED, resend_count=1)
    assert accepted.label == "Signée"
    assert "Renvoyée après une première mise à disposition" in accepted.detail


def test_cancelled_by_the_agent(app, agency):
    def cancel(letter, sending):
        operations.cancel_sending(sending, "Le client a changé d'avis")
        letter.state = LetterState.CANCELLED

    state = tracked(app, agency, sending_state=SendingState.SCHEDULED, prepare=cancel)
    assert (state.code, state.label) == ("cancelled", "Annulée")


def test_held_cancelled_before_the_deadline_is_cancelled_mandate_unsigned(app, agency):
    def cancel(letter, sending):
        operations.cancel_held(sending, "Envoi annulé par l'agence.")
        letter.state = LetterState.CANCELLED

    state = tracked(
        app,
        agency,
        sending_state=SendingState.SCHEDULED,
        held="mandate_signature",
        sender=Sender.PLATFORM,
        send_date=FUTURE,
        prepare=cancel,
    )
    assert state.code == "cancelled_unsigned"
    assert state.label == "Non envoyée — annulée / mandat non signé"


def test_held_cancelled_after_the_deadline_is_signature_expired(app, agency, monkeypatch):
    def cancel(letter, sending):
        late = datetime(2031, 3, 14, 19, 5, tzinfo=UTC)  # 20:05 in Paris
        monkeypatch.setattr(clock, "now", lambda: late)
        operations.cancel_held(sending, "Le mandat n'a pas été signé avant 20:00.")
        letter.state = LetterState.CANCELLED

    state = tracked(
        app,
        agency,
        sending_state=SendingState.SCHEDULED,
        held="mandate_signature",
        sender=Sender.PLATFORM,
        send_date=FUTURE,
        prepare=cancel,
    )
    lists = tracked(
        app,
        agency,
        sending_state=SendingState.SCHEDULED,
        held="mandate_signature",
        sender=Sender.PLATFORM,
        send_date=FUTURE,
        prepare=cancel,
        detailed=False,
    )
    assert lists.label == state.label
    assert state.code == "signature_expired"
    assert state.label == "Non envoyée — délai de signature dépassé"
    assert "14/03/2031" in state.detail


# --- the legal clock -----------------------------------------------------------------------------


def test_the_15_days_run_from_the_day_after_the_notification():
    from portal.core.sendings.operators.lre_sandbox.rules import claim_deadline

    notified = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 30 Nov 23:30 in Paris
    on_the_day = tracking.clock_from(notified, date(2026, 11, 30))
    assert on_the_day.notified_on == date(2026, 11, 30)
    assert on_the_day.last_day == date(2026, 12, 15)
    assert on_the_day.days_left == 15
    assert on_the_day.closes_at == claim_deadline(notified)  # as the operator counts them
    assert tracking.clock_from(notified, date(2026, 12, 1)).days_left == 15
    assert tracking.clock_from(notified, date(2026, 12, 15)).days_left == 1
    closed = tracking.clock_from(notified, date(2026, 12, 16))
    assert (closed.days_left, closed.open) == (0, False)
    # A notification just after midnight in Paris (still the day before in UTC).
    late = tracking.clock_from(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29))
    assert late.notified_on == date(2026, 3, 29)
    assert late.last_day == date(2026, 4, 13)
