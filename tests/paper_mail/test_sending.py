"""Validating a paper mail (issue 17 §4–5): what is missing before it may leave, « Envoyer
maintenant » (charged once, to the printer at once, posted on the hand-over day), « Programmer
l'envoi » (from tomorrow), its date changed or the mail cancelled and refunded until the day
before — never once sent now —, not enough credit, a draft deleted with its files."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime

import pytest
from papermailkit import DUPOND, give_credit, letter_pdf, make_mail
from sqlalchemy import func, select

from plugins.paper_mail import sending
from plugins.paper_mail.models import DocumentStatus, MailState, PaperMail, RecipientSource
from plugins.paper_mail.rules import PARIS, Box
from portal.core import clock
from portal.core.accounts.models import Profile
from portal.core.credits.ledger import balance_cents
from portal.core.jobs import drain
from portal.core.sendings.jobs import dispatch_due
from portal.core.sendings.models import Sending
from portal.core.sendings.operators.base import SendingState
from portal.core.storage import storage
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

DETECTED = {
    "recipient_source": RecipientSource.DETECTED,
    "recipient_name": DUPOND[0],
    "recipient_lines": [DUPOND[1]],
    "recipient_postal_code": "38000",
    "recipient_city": "GRENOBLE",
    "detected_address": {"lines": DUPOND, "method": "text"},
}
SENDER = {
    "sender_name": "Agence Fournier",
    "sender_lines": ["3 place Victor Hugo"],
    "sender_postal_code": "38000",
    "sender_city": "GRENOBLE",
}


def paris(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def run(app, account, action, mail_id, *args):
    """``action(mail, *args, profile)`` in the account's tenant, committed; the mail's id."""
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        profile = db.session.get(Profile, mail.created_by_id)
        action(mail, *args, profile)
        db.session.commit()
    return mail_id


def refusal(app, account, action, mail_id, *args) -> sending.SendRefused:
    with pytest.raises(sending.SendRefused) as caught:
        run(app, account, action, mail_id, *args)
    return caught.value


def facts(app, account, mail_id) -> dict:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        row = mail.sending
        count = db.session.scalar(
            select(func.count(Sending.id)).where(
                Sending.subject_type == "PaperMail", Sending.subject_id == mail_id
            )
        )
        return {
            "state": mail.state,
            "send_on": mail.send_on,
            "handover_on": mail.handover_on,
            "validated": mail.validated_at is not None,
            "transmitted": mail.transmitted_at is not None,
            "sendings": count,
            "sending_state": row and row.state,
            "due_at": row and clock.aware(row.due_at),
            "options": row and dict(row.options),
            "price": row and row.price_cents,
            "owner": row and row.owner,
            "documents": row and [(d.filename, d.pages, d.storage_key) for d in row.documents],
            "recipient": row and row.recipient,
            "balance": balance_cents(account.id),
        }


def dispatch(app) -> None:
    """The scheduler's minute: due sendings claimed and handed to the printer."""
    with app.app_context(), unscoped():
        dispatch_due(None)
        db.session.commit()
    drain(app, timeout=60)


# --- what is missing ---------------------------------------------------------------------------


def test_readiness_says_what_to_do_before_a_mail_may_leave(app, agency):
    bare = make_mail(app, agency, mode="recommande")
    with app.app_context(), tenant_scope(agency.tenant_id):
        mail = db.session.get(PaperMail, bare)
        missing = sending.readiness(mail)
        assert any("Indiquez le destinataire" in m for m in missing)
        assert any("Utiliser mes coordonnées" in m for m in missing)  # registered: the sender
        mail.documents[0].status = DocumentStatus.FAILED
        mail.documents[0].filename = "devis.docx"
        assert "Retirez le document « devis.docx » : il n'a pas pu être converti." in (
            sending.readiness(mail)
        )
        mail.documents[0].status = DocumentStatus.PENDING
        assert any("conversion" in m for m in sending.readiness(mail))
        db.session.rollback()

    ready = make_mail(app, agency, mode="recommande", **DETECTED, **SENDER)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert sending.readiness(db.session.get(PaperMail, ready)) == []

    # The address is read under the window: one printed elsewhere fails the check.
    elsewhere = make_mail(
        app,
        agency,
        documents=[letter_pdf(at=Box(left=20, top=200, width=90, height=30))],
        **DETECTED,
    )
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert sending.readiness(db.session.get(PaperMail, elsewhere))


def test_an_account_not_yet_allowed_to_send_is_told_what_to_complete(app, make_account):
    # SPEC §2: nothing leaves before the professional document is verified and the platform's
    # mandate signed, whatever the credit.
    newcomer = make_account("resilimo", f"nouveau.{uuid.uuid4().hex[:8]}@agence.fr")
    mail_id = make_mail(app, newcomer, **DETECTED)
    with app.app_context(), tenant_scope(newcomer.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        [missing] = sending.readiness(mail)
        assert missing.startswith("Votre compte ne peut pas encore envoyer de courrier :")
        assert "Justificatif d'identité professionnelle vérifié" in missing
        with pytest.raises(sending.NotReady):
            sending.send_now(mail, None)
        db.session.rollback()
    give_credit(app, newcomer, 5000)  # verified, mandate signed, credit
    with app.app_context(), tenant_scope(newcomer.tenant_id):
        assert sending.readiness(db.session.get(PaperMail, mail_id)) == []


def test_a_mail_not_ready_is_refused_and_nothing_is_charged(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency)  # no recipient yet
    found = refusal(app, agency, sending.send_now, mail)
    assert isinstance(found, sending.NotReady)
    assert any("destinataire" in m for m in found.messages)
    after = facts(app, agency, mail)
    assert after["state"] == MailState.DRAFT and after["sendings"] == 0
    assert after["balance"] == 5000


# --- send now ------------------------------------------------------------------------------------


def test_send_now_before_the_cut_off_is_posted_the_same_day_and_charged_once(app, agency, at):
    at(paris(2027, 3, 3, 10, 29))  # a Wednesday, one minute before 10:30
    mail = make_mail(app, agency, **DETECTED)
    run(app, agency, sending.send_now, mail)
    run(app, agency, sending.send_now, mail)  # a double submit: nothing more
    found = facts(app, agency, mail)
    assert found["sendings"] == 1
    assert found["state"] == MailState.SCHEDULED and found["send_on"] is None
    assert found["handover_on"] == date(2027, 3, 3)
    assert found["owner"] == "paper_mail"
    assert found["sending_state"] == SendingState.SCHEDULED
    assert found["due_at"] == paris(2027, 3, 3, 10, 29)  # to the printer at once
    assert found["balance"] == 5000 - found["price"] and found["price"] > 0
    options = found["options"]
    assert options["mode"] == "lettre_verte" and options["colour"] and options["duplex"]
    assert options["post_on"] == "2027-03-03" and options["envelopes"] == 1
    assert options["staples"] == [False] and options["staple"] is False
    assert found["recipient"]["name"] == "SARL DUPOND"
    assert found["recipient"]["address_lines"] == ["1 RUE DES FLEURS"]

    dispatch(app)
    found = facts(app, agency, mail)
    assert found["state"] == MailState.TRANSMITTED and found["transmitted"]
    assert found["sending_state"] in (SendingState.HANDED_OVER, SendingState.IN_PROGRESS)
    # Sent now: never cancelled nor changed.
    assert "immédiatement" in refusal(app, agency, sending.cancel, mail).message


@pytest.mark.parametrize(
    ("moment", "posted"),
    [
        (paris(2027, 3, 3, 10, 30), date(2027, 3, 4)),  # at 10:30: the next business day
        (paris(2027, 3, 5, 14, 30), date(2027, 3, 8)),  # Friday afternoon: Monday
        (paris(2027, 5, 7, 14, 30), date(2027, 5, 10)),  # Friday before 8 May (a Saturday)
        (paris(2027, 5, 14, 11), date(2027, 5, 18)),  # Friday before Whit Monday: Tuesday
    ],
)
def test_send_now_after_the_cut_off_is_posted_the_next_business_day(
    app, agency, at, moment, posted
):
    at(moment)
    mail = make_mail(app, agency, **DETECTED)
    run(app, agency, sending.send_now, mail)
    found = facts(app, agency, mail)
    assert found["handover_on"] == posted
    assert found["options"]["post_on"] == posted.isoformat()


def test_a_typed_address_puts_the_carrier_page_first_and_the_content_is_frozen(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(
        app,
        agency,
        documents=[letter_pdf(address=[]), letter_pdf(address=[], pages=3)],
        recipient_source=RecipientSource.TYPED,
        recipient_name="Madame Claire Petit",
        recipient_lines=["Appartement 12", "4 rue du Lac"],
        recipient_postal_code="69003",
        recipient_city="Lyon",
    )
    with app.app_context(), tenant_scope(agency.tenant_id):
        db.session.get(PaperMail, mail).documents[1].staple = True
        db.session.commit()
    run(app, agency, sending.send_now, mail)
    found = facts(app, agency, mail)
    assert len(found["documents"]) == 3  # the carrier page, then the two documents
    assert found["options"]["staples"] == [False, False, True]
    assert found["options"]["staple"] is True
    assert found["recipient"]["city"] == "LYON"
    # The sending keeps its own copy: the mail's files may go, what is printed stays.
    with app.app_context(), tenant_scope(agency.tenant_id):
        row = db.session.get(PaperMail, mail)
        own = {d.pdf_key for d in row.documents}
        assert own.isdisjoint({key for *_, key in found["documents"]})
        for key in own:
            storage().delete(key)
        assert all(storage().read(key)[:4] == b"%PDF" for *_, key in found["documents"])


def test_not_enough_credit_says_what_is_missing_and_keeps_nothing(app, make_account, at):
    at(paris(2027, 3, 3, 9))
    poor = make_account("resilimo", f"pauvre.{uuid.uuid4().hex[:8]}@agence.fr")
    give_credit(app, poor, 50)
    mail = make_mail(app, poor, **DETECTED)
    short = refusal(app, poor, sending.send_now, mail)
    assert isinstance(short, sending.NotEnoughCredit)
    found = facts(app, poor, mail)
    assert short.missing_cents > 0 and short.needed_cents - short.balance_cents == (
        short.missing_cents
    )
    assert "il manque" in short.message
    assert found["state"] == MailState.DRAFT and found["sendings"] == 0
    assert found["balance"] == 50


# --- scheduled ------------------------------------------------------------------------------------


def test_a_mail_is_scheduled_from_tomorrow_and_transmitted_on_its_day(app, agency, at):
    at(paris(2027, 3, 3, 15))
    mail = make_mail(app, agency, **DETECTED)
    too_soon = refusal(app, agency, sending.schedule, mail, date(2027, 3, 3))
    assert too_soon.field == "send_on" and "04/03/2027" in too_soon.message
    run(app, agency, sending.schedule, mail, date(2027, 3, 6))  # a Saturday
    found = facts(app, agency, mail)
    assert found["state"] == MailState.SCHEDULED and found["send_on"] == date(2027, 3, 6)
    assert found["handover_on"] == date(2027, 3, 8)  # posted on Monday
    assert found["due_at"] == paris(2027, 3, 8, 7)
    assert found["options"]["post_on"] == "2027-03-08"
    dispatch(app)  # not its day yet
    assert facts(app, agency, mail)["state"] == MailState.SCHEDULED
    at(paris(2027, 3, 8, 7, 1))
    dispatch(app)
    assert facts(app, agency, mail)["state"] == MailState.TRANSMITTED


def test_its_date_changes_until_the_day_before_then_no_more(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **DETECTED)
    run(app, agency, sending.schedule, mail, date(2027, 3, 10))
    at(paris(2027, 3, 9, 23, 30))  # the eve: still possible
    run(app, agency, sending.reschedule, mail, date(2027, 3, 12))
    found = facts(app, agency, mail)
    assert found["send_on"] == date(2027, 3, 12) and found["handover_on"] == date(2027, 3, 12)
    assert found["due_at"] == paris(2027, 3, 12, 7)
    assert found["options"]["post_on"] == "2027-03-12"
    assert found["balance"] == 5000 - found["price"]  # moving it costs nothing
    at(paris(2027, 3, 12, 0, 5))  # its day
    assert "trop tard" in refusal(app, agency, sending.reschedule, mail, date(2027, 3, 15)).message
    assert "trop tard" in refusal(app, agency, sending.cancel, mail).message


def test_cancelled_the_day_before_it_is_refunded_once(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **DETECTED)
    run(app, agency, sending.schedule, mail, date(2027, 3, 10))
    charged = facts(app, agency, mail)
    assert charged["balance"] == 5000 - charged["price"]
    at(paris(2027, 3, 9, 18))
    run(app, agency, sending.cancel, mail)
    run(app, agency, sending.cancel, mail)  # twice: refunded once
    drain(app)
    found = facts(app, agency, mail)
    assert found["state"] == MailState.CANCELLED
    assert found["sending_state"] == SendingState.CANCELLED
    assert found["balance"] == 5000
    # Cancelled: it does not leave, and nothing changes any more.
    at(paris(2027, 3, 10, 8))
    dispatch(app)
    assert facts(app, agency, mail)["sending_state"] == SendingState.CANCELLED
    assert refusal(app, agency, sending.reschedule, mail, date(2027, 3, 20)).message


def test_a_draft_is_deleted_with_its_files_a_validated_mail_never(app, agency, at):
    at(paris(2027, 3, 3, 9))
    draft = make_mail(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        keys = [d.pdf_key for d in db.session.get(PaperMail, draft).documents]
        sending.delete_draft(db.session.get(PaperMail, draft))
        db.session.commit()
        assert db.session.get(PaperMail, draft) is None
        for key in keys:
            with pytest.raises(FileNotFoundError):
                storage().read(key)
    sent = make_mail(app, agency, **DETECTED)
    run(app, agency, sending.send_now, sent)
    with app.app_context(), tenant_scope(agency.tenant_id):
        with pytest.raises(sending.SendRefused):
            sending.delete_draft(db.session.get(PaperMail, sent))
        db.session.rollback()


def test_two_tabs_sending_at_once_send_and_charge_once(app, agency, at):
    at(paris(2027, 3, 3, 9))
    mail = make_mail(app, agency, **DETECTED)
    together = threading.Barrier(2)
    failures: list[BaseException] = []

    def click():
        try:
            with app.app_context(), tenant_scope(agency.tenant_id):
                row = db.session.get(PaperMail, mail)
                profile = db.session.get(Profile, row.created_by_id)
                together.wait(10)
                sending.send_now(row, profile)
                db.session.commit()
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    tabs = [threading.Thread(target=click) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(60)
    assert failures == []
    found = facts(app, agency, mail)
    assert found["sendings"] == 1
    assert found["balance"] == 5000 - found["price"]
