"""What the agent reads about a mail once validated (issue 17 §6): « Programmé le … »,
« Transmis le … », « Posté le … » from the printer's « Pris en charge », the post's news
(« En cours d'acheminement », « Distribué », « Retourné : NPAI » with its reason), the tracking
number and La Poste's page for the tracked modes, the proofs, a printer refusing the address."""

from __future__ import annotations

from datetime import date, datetime

from papermailkit import DUPOND, make_mail
from sqlalchemy import select

from plugins.paper_mail import events, sending, tracking
from plugins.paper_mail.models import MailState, PaperMail, RecipientSource
from plugins.paper_mail.rules import PARIS, TRACKING_URL
from portal.core.accounts.models import Profile
from portal.core.credits.ledger import balance_cents
from portal.core.jobs import drain
from portal.core.sendings import apply_operator_events
from portal.core.sendings.jobs import dispatch_due
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import Channel
from portal.core.sendings.operators.paper_sandbox.jobs import (
    advance_paper_sandbox,
    advance_tenant_print_jobs,
)
from portal.core.sendings.operators.paper_sandbox.models import PaperSandboxEvent
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

SENDER = {
    "sender_name": "Agence Fournier",
    "sender_lines": ["3 place Victor Hugo"],
    "sender_postal_code": "38000",
    "sender_city": "GRENOBLE",
}


def paris(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def detected(name=DUPOND[0], line=DUPOND[1], postal_code="38000", city="GRENOBLE") -> dict:
    return {
        "recipient_source": RecipientSource.DETECTED,
        "recipient_name": name,
        "recipient_lines": [line],
        "recipient_postal_code": postal_code,
        "recipient_city": city,
    }


def act(app, account, action, mail_id, *args) -> None:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        action(mail, *args, db.session.get(Profile, mail.created_by_id))
        db.session.commit()


def scheduler(app) -> None:
    """The scheduler's minute and the printer's round, then every job they queued (callbacks,
    states told to the plugin)."""
    for periodic in (dispatch_due, advance_paper_sandbox):
        with app.app_context(), unscoped():
            periodic(None)
            db.session.commit()
        drain(app, timeout=60)


def status(app, account, mail_id) -> tuple[tracking.MailStatus, str, date | None, list]:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        proofs = [(p.kind, p.label) for p in tracking.proofs_of(mail)]
        return tracking.status_of(mail), mail.state, mail.posted_on, proofs


def test_a_tracked_letter_scheduled_transmitted_posted_then_delivered(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, mode="lettre_suivie", **detected(), **SENDER)
    found, state, _, _ = status(app, agency, mail)
    assert (found.label, state) == ("Création", MailState.DRAFT)

    act(app, agency, sending.schedule, mail, date(2027, 3, 5))
    found, state, _, _ = status(app, agency, mail)
    assert found.label == "Programmé le 05/03/2027" and found.on == date(2027, 3, 5)
    assert found.postal is None and found.tracking_number is None

    at(paris(2027, 3, 5, 7, 1))  # its day: to the printer before the cut-off
    scheduler(app)
    found, state, _, _ = status(app, agency, mail)
    assert state == MailState.TRANSMITTED
    assert found.label == "Transmis le 05/03/2027"
    assert found.postal == "Reçu par l'imprimeur"
    number = found.tracking_number
    assert number.startswith("1L") and len(number) == 13
    assert found.tracking_url == TRACKING_URL.format(number=number)

    at(paris(2027, 3, 5, 9))
    scheduler(app)
    found, state, _, _ = status(app, agency, mail)
    assert found.postal == "Imprimé et mis sous pli"

    # Posted the day promised (« remis à La Poste le 05/03 »): the printer's afternoon pick-up.
    at(paris(2027, 3, 5, 16))
    scheduler(app)
    found, state, posted, proofs = status(app, agency, mail)
    assert found.label == "Posté le 05/03/2027" and found.state == MailState.POSTED
    assert found.on == date(2027, 3, 5)
    assert found.postal == "En cours d'acheminement"
    assert proofs == [("deposit", "Preuve de dépôt")]
    # The core told « in progress » once, at the printer's first event; the « Pris en charge »
    # came as an event of its own, and the list's state (its « Posté » filter) follows at once.
    assert (state, posted) == (MailState.POSTED, date(2027, 3, 5))

    at(paris(2027, 3, 12, 12))
    scheduler(app)
    found, state, posted, proofs = status(app, agency, mail)
    assert found.postal == "Distribué" and found.outcome == "delivered"
    assert found.label == "Posté le 05/03/2027"
    assert (state, posted) == (MailState.POSTED, date(2027, 3, 5))
    assert [kind for kind, _ in proofs] == ["deposit", "delivery"]


def test_a_letter_returned_npai_says_why(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **detected(line="NPAI 14 RUE PERDUE"))
    act(app, agency, sending.send_now, mail)
    scheduler(app)
    found, state, _, _ = status(app, agency, mail)
    assert found.label == "Transmis le 03/03/2027" and found.tracking_number is None
    at(paris(2027, 3, 25, 12))
    scheduler(app)
    found, state, posted, proofs = status(app, agency, mail)
    assert found.postal == "Retourné : NPAI" and found.outcome == "returned"
    assert found.return_reason == "N'habite pas à l'adresse indiquée (NPAI)"
    assert state == MailState.POSTED and posted is not None
    assert found.label == f"Posté le {posted:%d/%m/%Y}"
    assert ("return", "Avis de retour") in proofs


def test_la_poste_taking_it_told_after_the_return_still_makes_it_posted(app, agency, at):
    """The printer's callbacks come in any order: « Pris en charge » retried after the return
    notice still shows the letter « Posté le … », in the list's state too."""
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **detected(line="NPAI 14 RUE PERDUE"))
    act(app, agency, sending.send_now, mail)
    scheduler(app)
    at(paris(2027, 3, 25, 12))
    with app.app_context(), tenant_scope(agency.tenant_id):
        advance_tenant_print_jobs(agency.tenant_id)  # the printer's round: callbacks queued
        late = db.session.scalar(select(PaperSandboxEvent).where(PaperSandboxEvent.code == "A01"))
        late.callback_sent_at = late.occurred_at  # its callback is held back: not sent now
        db.session.commit()
    drain(app, timeout=60)
    found, state, posted, _ = status(app, agency, mail)
    assert found.outcome == "returned" and (state, posted) == (MailState.TRANSMITTED, None)

    with app.app_context(), tenant_scope(agency.tenant_id):  # the held callback, retried
        held = db.session.get(PaperMail, mail).sending
        [taking] = [
            event
            for event in operator_for(Channel.PAPER).events(held.operator_ref)
            if event.code == "A01"
        ]
        apply_operator_events(Channel.PAPER, [taking], "callback")
        db.session.commit()
    drain(app, timeout=60)
    found, state, posted, _ = status(app, agency, mail)
    assert (state, posted) == (MailState.POSTED, date(2027, 3, 3))
    assert found.label == "Posté le 03/03/2027" and found.postal == "Retourné : NPAI"


def test_a_registered_letter_with_ar_ends_with_the_signed_card(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, mode="recommande_ar", **detected(), **SENDER)
    act(app, agency, sending.send_now, mail)
    scheduler(app)
    at(paris(2027, 3, 20, 12))
    scheduler(app)
    found, _, _, proofs = status(app, agency, mail)
    assert found.tracking_number.startswith("1A")
    assert found.postal == "Distribué"
    assert sorted(label for _, label in proofs) == [
        "Avis de réception signé",
        "Preuve de distribution",
        "Preuve de dépôt",
    ]


def test_an_address_the_printer_rejects_fails_and_is_refunded(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **detected(postal_code="00000"))
    # The sandbox printer rejects the postal code 00000 (Maileva checks addresses too).
    act(app, agency, sending.send_now, mail)
    scheduler(app)
    found, state, _, _ = status(app, agency, mail)
    assert state == MailState.FAILED
    assert found.postal == "Refusé par l'imprimeur" and "00000" in found.return_reason
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert balance_cents(agency.id) == 5000


def test_a_cancelled_mail_is_cancelled_in_the_list(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **detected())
    act(app, agency, sending.schedule, mail, date(2027, 3, 10))
    act(app, agency, sending.cancel, mail)
    drain(app)
    found, state, _, _ = status(app, agency, mail)
    assert (found.label, state) == ("Annulé", MailState.CANCELLED)
    assert found.on == date(2027, 3, 3)
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending_row = db.session.get(PaperMail, mail).sending
        # The core's « cancelled » told again changes nothing.
        events.sending_state_changed(None, sending_row, "cancelled")
        assert db.session.scalar(select(PaperMail.state).where(PaperMail.id == mail)) == (
            MailState.CANCELLED
        )
