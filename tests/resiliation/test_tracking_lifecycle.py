"""A validated termination letter through the sandbox LRE operator and its signed callbacks:
the letter becomes SENT, the subscriber gets — once each, in the agent's name — the copy of the
letter with the deposit notice, then the acknowledgement; the former manager gets the copy once
it is accepted; a letter not picked up within the 15 days is re-sent once, free, and the profile
told; the letter page shows the tracking, the legal clock and every proof, each downloadable
(another account's → 404) and all of them zipped."""

from __future__ import annotations

import email
import email.policy
import html
import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from letterkit import make_insurer, make_letter
from sqlalchemy import func, select
from webkit import PDF_BYTES

from plugins.resiliation.models import Letter, LetterState
from plugins.resiliation.rules import SendType
from portal.core import clock
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token

SUBSCRIBER = "jean.dupont@example.org"


def mails_to(app, tenant_id: int, address: str) -> list:
    """The development mailbox's emails to ``address`` (after the queued jobs ran)."""
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = list(
            db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def link_in(message) -> str:
    """The sandbox recipient page's path in the operator's notification."""
    return re.search(r"https?://[^/\s]+(/_sandbox/lre/[\w-]+)", message.body_text).group(1)


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (no tenant, unscoped), then what it queued."""
    from portal.core.tenants import unscoped

    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)


def balance(app, agency) -> int:
    from portal.core.credits.ledger import balance_cents

    with app.app_context(), tenant_scope(agency.tenant_id):
        return balance_cents(agency.id)


def text(response) -> str:
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def credit(app, agency) -> None:
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="t", actor_label="t")
        db.session.commit()


def send_letter(app, agency, recipient: str, **fields) -> int:
    """A letter to ``recipient`` (a sandbox scenario address), validated as the sending part
    does (its sending owned by the plugin, about the letter, charged), then handed over by the
    scheduler; its id."""
    from portal.core.accounts.models import Account
    from portal.core.sendings import operations
    from portal.core.sendings.jobs import dispatch_due
    from portal.core.sendings.operators.base import Channel, Party

    insurer = make_insurer(
        app, agency.tenant_id, name=f"MAAF Assurances {uuid.uuid4().hex[:6]}", lre_email=recipient
    )
    letter_id = make_letter(app, agency, insurer_id=insurer, **fields)
    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        letter = db.session.get(Letter, letter_id)
        sending = operations.create_sending(
            account=account,
            profile=account.holder_profile,
            owner="resiliation",
            channel=Channel.LRE,
            title=f"Résiliation {letter.subscriber_name} — {letter.recipient_name}",
            documents=[operations.NewDocument("lettre-de-resiliation.pdf", PDF_BYTES)],
            sender=Party(account.display_name, email=account.email),
            recipient=Party(letter.recipient_name, email=letter.recipient_email),
            options={"qualified": False},
            price_lines=[operations.PriceLine("resiliation.lrar", "LRAR", 378)],
            subject=letter,
        )
        operations.validate_sending(sending)
        letter.state = LetterState.VALIDATED
        letter.validated_at = clock.now()
        letter.sending = sending
        db.session.commit()
    run_periodic(app, dispatch_due)
    return letter_id


def letter_row(app, agency, letter_id):
    drain(app)
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        sending = letter.sending
        return {
            "state": letter.state,
            "sending": sending.reference,
            "sending_state": sending.state,
            "resend_count": letter.resend_count,
            "proofs": sorted(p.kind for p in sending.proofs),
        }


def parsed(message):
    return email.message_from_bytes(message.raw, policy=email.policy.default)


def attachments(message) -> list[tuple[str, bytes]]:
    return [
        (part.get_filename(), part.get_content())
        for part in parsed(message).iter_attachments()
        if part.get_filename() and part.get_content_type() == "application/pdf"
    ]


@pytest.fixture
def agency(app, make_account):
    account = make_account("resilimo", email="agence.suivi@agence-fournier.fr")
    credit(app, account)
    return account


def test_accepted_letter_emails_once_each_with_proofs_and_page(app, agency, logged_in):
    from portal.core.sendings.jobs import poll_operators
    from portal.core.sendings.operators.base import SendingState

    letter_id = send_letter(
        app,
        agency,
        "resiliation+accepte@maaf.example",
        former_manager_email="ancien.gerant@courtier.example",
        client_reference="DOSSIER-42",
    )
    row = letter_row(app, agency, letter_id)
    assert row["state"] == LetterState.SENT
    assert row["sending_state"] == SendingState.DELIVERED
    assert row["proofs"] == ["acceptance", "deposit", "notification"]

    mails = mails_to(app, agency.tenant_id, SUBSCRIBER)
    assert len(mails) == 2
    deposit, receipt = mails
    # In the agent's name: the agency's name as the sender, its profile as Reply-To.
    for message in mails:
        headers = parsed(message)
        assert headers["From"].addresses[0].display_name == "Agence Fournier Assurances"
        assert headers["Reply-To"] == "agence.suivi@agence-fournier.fr"
    assert "copie de la lettre et avis de dépôt" in deposit.subject
    assert "MAAF Assurances" in deposit.subject
    files = attachments(deposit)
    assert [name for name, _ in files][0] == "lettre-de-resiliation.pdf"
    assert files[0][1] == PDF_BYTES
    assert any(name.startswith("preuve-depot") for name, _ in files[1:])
    assert "Agence Fournier Assurances a envoyé pour votre compte" in deposit.body_text
    assert "DOSSIER-42" in deposit.body_text
    assert "Bonjour Monsieur Dupont," in deposit.body_text
    assert "accusé de réception" in receipt.subject
    assert [name for name, _ in attachments(receipt)][0].startswith("preuve-reception")

    former = mails_to(app, agency.tenant_id, "ancien.gerant@courtier.example")
    assert len(former) == 1
    assert [name for name, _ in attachments(former[0])] == ["lettre-de-resiliation.pdf"]
    assert "Dupont Jean" in former[0].subject

    # The core told the profile (sent, accepted): its wording names the letter.
    profile_mails = mails_to(app, agency.tenant_id, "agence.suivi@agence-fournier.fr")
    subjects = [m.subject for m in profile_mails]
    assert any(s.startswith("Lettre recommandée acceptée") and "Dupont Jean" in s for s in subjects)

    # A poll and the state's job again: nothing is sent twice.
    run_periodic(app, poll_operators)
    with app.app_context(), tenant_scope(agency.tenant_id):
        from plugins.resiliation import events
        from portal.core.sendings.models import Sending
        from portal.core.tenants import tenant_directory

        letter = db.session.get(Letter, letter_id)
        sending = db.session.get(Sending, letter.sending_id)
        events.sending_state_changed(
            tenant_directory().by_id(agency.tenant_id), sending, SendingState.DELIVERED
        )
        events.sending_state_changed(
            tenant_directory().by_id(agency.tenant_id), sending, SendingState.HANDED_OVER
        )
        db.session.commit()
    assert len(mails_to(app, agency.tenant_id, SUBSCRIBER)) == 2
    assert len(mails_to(app, agency.tenant_id, "ancien.gerant@courtier.example")) == 1

    # The letter page: tracking, timeline, proofs.
    client = logged_in(agency)
    page = client.get(f"/resiliation/lettres/{letter_id}")
    assert page.status_code == 200
    shown = text(page)
    assert "Suivi de l'envoi" in shown
    assert "Signée" in shown
    assert "Mis à disposition le" in shown and "avait jusqu'au" in shown
    assert "Avis et accusés de réception" in shown
    assert "Avis de dépôt" in shown and "Accusé de réception" in shown
    assert "Copie de la lettre et avis de dépôt envoyés au souscripteur" in shown
    assert "(AR)" in shown  # the operator's own code, kept discreetly

    links = re.findall(
        rf'href="(/resiliation/lettres/{letter_id}/preuves/\d+)"', page.get_data(as_text=True)
    )
    assert len(links) == 3
    for link in links:
        answer = client.get(link)
        assert answer.status_code == 200
        assert answer.mimetype == "application/pdf"
        assert answer.data.startswith(b"%PDF-")
    archive = client.get(f"/resiliation/lettres/{letter_id}/preuves.zip")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert len(names) == 3
    assert any("deposit" in name for name in names)
    assert any("acceptance" in name for name in names)

    # Another account of the tenant: the letter and its proofs are not there.
    other = logged_in(
        _other_account(app, agency),
    )
    assert other.get(links[0]).status_code == 404
    assert other.get(f"/resiliation/lettres/{letter_id}/preuves.zip").status_code == 404


def _other_account(app, agency):
    from portal.testing.accounts import create_account

    return create_account(app, "resilimo", "autre.agence@example.fr")


def test_a_proof_of_another_letter_is_not_served_under_mine(app, agency, logged_in):
    first = send_letter(app, agency, "resiliation+accepte@maaf.example")
    second = send_letter(app, agency, "resiliation+refuse@maaf.example")
    with app.app_context(), tenant_scope(agency.tenant_id):
        proof_id = db.session.get(Letter, first).sending.proofs[0].id
    client = logged_in(agency)
    assert client.get(f"/resiliation/lettres/{first}/preuves/{proof_id}").status_code == 200
    assert client.get(f"/resiliation/lettres/{second}/preuves/{proof_id}").status_code == 404
    assert client.get(f"/resiliation/lettres/{first}/preuves/999999").status_code == 404


def test_refused_letter_page_and_no_acknowledgement_email(app, agency, logged_in):
    letter_id = send_letter(
        app,
        agency,
        "resiliation+refuse@maaf.example",
        former_manager_email="ancien.gerant@courtier.example",
    )
    row = letter_row(app, agency, letter_id)
    assert row["state"] == LetterState.SENT
    assert "refusal" in row["proofs"]
    mails = mails_to(app, agency.tenant_id, SUBSCRIBER)
    assert len(mails) == 1 and "avis de dépôt" in mails[0].subject
    assert mails_to(app, agency.tenant_id, "ancien.gerant@courtier.example") == []
    shown = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert "Refusée par le destinataire" in shown
    assert "Preuve de refus" in shown


def test_recipient_acting_on_the_page_shows_the_legal_clock(app, agency, logged_in, client_for):
    """Notified, not yet accepted: « Déposée », the 15 days from the day after notification;
    then the recipient accepts an LR on the sandbox's page: « Relevée », the subscriber told."""
    from portal.core.sendings.models import SendingEvent
    from portal.core.sendings.operators.base import SendingState

    recipient = "resiliation@assureur-page.example"
    letter_id = send_letter(app, agency, recipient, send_type=SendType.LR)
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        notified = db.session.scalar(
            select(func.min(SendingEvent.at)).where(
                SendingEvent.sending_id == letter.sending_id,
                SendingEvent.state == SendingState.IN_PROGRESS,
            )
        )
    from plugins.resiliation.tracking import PARIS

    with app.app_context(), tenant_scope(agency.tenant_id):
        recipient_name = db.session.get(Letter, letter_id).recipient_name
    day = clock.aware(notified).astimezone(PARIS).date()
    last = day + timedelta(days=15)
    shown = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert "Déposée" in shown
    assert (
        f"Mis à disposition le {day:%d/%m/%Y} — le destinataire a jusqu'au {last:%d/%m/%Y} "
        "pour l'accepter (15 jours restants)."
    ) in shown
    assert len(mails_to(app, agency.tenant_id, SUBSCRIBER)) == 1  # the deposit, already

    client = client_for("resilimo")
    path = link_in(mails_to(app, agency.tenant_id, recipient)[0])
    for action, data in (
        (path, {"name": recipient_name, "confirm": "y"}),
        (path + "/decision", {"decision": "accepter"}),
    ):
        token = csrf_token(client.get(path).get_data(as_text=True))
        assert client.post(action, data={**data, "csrf_token": token}).status_code == 302
    drain(app)
    shown = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert "Relevée" in shown
    mails = mails_to(app, agency.tenant_id, SUBSCRIBER)
    assert len(mails) == 2 and "a été relevée" in mails[1].subject


def test_not_claimed_is_resent_once_free_and_the_profile_told(app, agency, logged_in, monkeypatch):
    from portal.core.sendings.operators.base import SendingState
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_negligence

    letter_id = send_letter(app, agency, "resiliation+neglige@maaf.example")
    first = letter_row(app, agency, letter_id)
    assert first["sending_state"] == SendingState.IN_PROGRESS
    before = balance(app, agency)

    later = clock.now() + timedelta(days=17)
    monkeypatch.setattr(clock, "now", lambda: later)
    run_periodic(app, lre_sandbox_negligence)
    from portal.core.sendings.jobs import dispatch_due

    run_periodic(app, dispatch_due)
    again = letter_row(app, agency, letter_id)
    assert again["resend_count"] == 1
    assert again["sending"] != first["sending"]
    assert again["sending_state"] == SendingState.IN_PROGRESS
    assert again["state"] == LetterState.SENT
    assert balance(app, agency) == before  # not charged again
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        assert letter.sending.documents[0].filename == "lettre-de-resiliation.pdf"

    told = [
        m
        for m in mails_to(app, agency.tenant_id, "agence.suivi@agence-fournier.fr")
        if m.subject.startswith("Lettre renvoyée")
    ]
    assert len(told) == 1
    assert "Dupont Jean" in told[0].subject and "MAAF Assurances" in told[0].subject
    page = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert (
        "Non relevée par le destinataire dans le délai de 15 jours de mise à disposition, "
        "puis renvoyée"
    ) in page
    assert "Avis de non-réclamation" in page
    assert "Renvoi — envoi" in page

    # The re-sent letter is not claimed either: no third sending, the profile told once.
    even_later = later + timedelta(days=17)
    monkeypatch.setattr(clock, "now", lambda: even_later)
    run_periodic(app, lre_sandbox_negligence)
    final = letter_row(app, agency, letter_id)
    assert final["sending"] == again["sending"]
    assert final["sending_state"] == SendingState.NOT_CLAIMED
    assert final["resend_count"] == 1
    told = [
        m
        for m in mails_to(app, agency.tenant_id, "agence.suivi@agence-fournier.fr")
        if m.subject.startswith("Lettre renvoyée")
    ]
    assert len(told) == 1
    page = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert "Non relevée par le destinataire dans le délai de 15 jours" in page
    archive = logged_in(agency).get(f"/resiliation/lettres/{letter_id}/preuves.zip")
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert sum("negligence" in name for name in names) == 2


def test_refused_by_the_operator_fails_refunded_and_may_be_scheduled_again(app, agency, logged_in):
    """The operator refuses the letter before it leaves: « Envoi en échec » with its reason, the
    price given back, the letter CANCELLED (it may be scheduled again); the subscriber gets
    nothing; the core tells the profile once."""
    from portal.core.sendings.operators.base import SendingState

    before = balance(app, agency)
    letter_id = send_letter(app, agency, "resiliation+rejet@maaf.example")
    row = letter_row(app, agency, letter_id)
    assert row["sending_state"] == SendingState.FAILED
    assert row["state"] == LetterState.CANCELLED
    assert balance(app, agency) == before  # charged, then refunded
    assert mails_to(app, agency.tenant_id, SUBSCRIBER) == []
    failed = [
        m
        for m in mails_to(app, agency.tenant_id, "agence.suivi@agence-fournier.fr")
        if m.subject.startswith("Envoi en échec")
    ]
    assert len(failed) == 1
    shown = text(logged_in(agency).get(f"/resiliation/lettres/{letter_id}"))
    assert "Envoi en échec" in shown
    assert "Adresse électronique du destinataire refusée par l'opérateur." in shown
    assert "L'avis de dépôt sera disponible ici" in shown
