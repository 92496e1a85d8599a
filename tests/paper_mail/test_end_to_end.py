"""Issue 17 « Done when », through the pages as an agent uses them and the sandbox printer on its
own clock: a Word file, converted by LibreOffice, sent by lettre suivie to a typed address, is
delivered; a scanned letter, its address read by OCR in the window, comes back « NPAI »; a
scheduled mail is cancelled the day before (refunded once) and another is refused on its day."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from papermailkit import letter_pdf, make_mail, scanned, text
from sqlalchemy import func, select

from plugins.paper_mail import tracking
from plugins.paper_mail.models import MailState, PaperMail, RecipientSource
from portal.core.credits.ledger import balance_cents
from portal.core.credits.models import EntryKind, LedgerEntry
from portal.core.jobs import drain
from portal.core.sendings.jobs import dispatch_due
from portal.core.sendings.operators.paper_sandbox.jobs import advance_paper_sandbox
from portal.core.sendings.operators.paper_sandbox.models import PaperSandboxJob
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"
CREDIT = 5000
needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed",
)


@pytest.fixture
def client(agency, logged_in):
    return logged_in(agency)


def token_of(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]


def mail_url(mail_id: int, path: str = "") -> str:
    return f"/paper-mail/courriers/{mail_id}{path}"


def step(client, mail_id: int, path: str, data: dict, **kwargs):
    """POST a compose step with the page's CSRF token."""
    token = token_of(client.get(mail_url(mail_id, "/documents")))
    return client.post(mail_url(mail_id, path), data={"csrf_token": token, **data}, **kwargs)


def new_mail(client) -> int:
    """« Nouveau courrier papier » from the list: a draft opened at its documents."""
    created = client.post(
        "/paper-mail/courriers/nouveau", data={"csrf_token": token_of(client.get("/paper-mail/"))}
    )
    assert created.status_code == 302
    return int(re.search(r"/courriers/(\d+)/documents", created.location)[1])


def upload(client, mail_id: int, content: bytes, filename: str) -> None:
    added = step(
        client,
        mail_id,
        "/documents",
        {"action": "add", "files": [(io.BytesIO(content), filename)]},
        content_type="multipart/form-data",
    )
    assert added.status_code in (200, 302), text(added)[:500]


def send_now(client, mail_id: int) -> None:
    page = client.get(mail_url(mail_id, "/confirmation?quand=maintenant"))
    data = {"csrf_token": token_of(page), "when": "maintenant", "confirmed": "y"}
    sent = client.post(mail_url(mail_id, "/confirmation?quand=maintenant"), data=data)
    assert sent.status_code == 302 and sent.location.endswith(mail_url(mail_id)), text(sent)[:800]


def scheduler(app) -> None:
    """The scheduler's minute and the printer's round, then every job they queued (hand-overs,
    signed callbacks, states told to the plugin)."""
    for periodic in (dispatch_due, advance_paper_sandbox):
        with app.app_context(), unscoped():
            periodic(None)
            db.session.commit()
        drain(app, timeout=60)


def row_of(client, mail_id: int) -> str:
    listed = client.get("/paper-mail/").get_data(as_text=True)
    row = re.search(rf'<tr data-mail="{mail_id}">.*?</tr>', listed, re.S)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.replace("&#39;", "'")))


def facts(app, account, mail_id: int) -> dict:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        sending = mail.sending
        job = sending and db.session.scalar(
            select(PaperSandboxJob).where(PaperSandboxJob.delivery_id == sending.delivery_id)
        )
        status = tracking.status_of(mail)
        return {
            "state": mail.state,
            "source": mail.recipient_source,
            "recipient": (mail.recipient_name, list(mail.recipient_lines or [])),
            "status": status,
            "proofs": sorted(p.kind for p in tracking.proofs_of(mail)),
            "sending_state": sending and sending.state,
            "printed": job and [(d["filename"], d["pages"]) for d in job.documents],
            "printer_options": job and dict(job.options),
            "balance": balance_cents(account.id),
            "refunds": db.session.scalar(
                select(func.count(LedgerEntry.id)).where(
                    LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.REFUND
                )
            ),
        }


@needs_office
def test_a_word_file_to_a_typed_address_is_delivered_by_lettre_suivie(app, client, agency, at):
    at(2027, 3, 3, 9, 0)  # a Wednesday, before 10:30
    mail_id = new_mail(client)
    upload(client, mail_id, (FIXTURES / "letter.docx").read_bytes(), "courrier.docx")
    drain(app, timeout=240)  # LibreOffice converts it in a job
    documents = text(client.get(mail_url(mail_id, "/documents")))
    assert "courrier.docx 2 pages" in documents
    assert "la mise en page n'est pas garantie" in documents

    moved = step(
        client, mail_id, "/documents", {"action": "continue", "colour": "y", "duplex": "y"}
    )
    assert moved.location.endswith(mail_url(mail_id, "/mode"))
    moved = step(client, mail_id, "/mode", {"mode": "lettre_suivie"})
    assert moved.location.endswith(mail_url(mail_id, "/destinataire"))
    typed = step(
        client,
        mail_id,
        "/destinataire",
        {
            "action": "typed",
            "name": "Madame Claire Petit",
            "line1": "4 rue du Lac",
            "postal_code": "69003",
            "city": "Lyon",
            "sender_name": "Agence Fournier Assurances",
            "sender_line1": "3 place Victor Hugo",
            "sender_postal_code": "38000",
            "sender_city": "Grenoble",
        },
    )
    assert typed.location.endswith(mail_url(mail_id, "/confirmation")), text(typed)[:800]

    confirmation = text(client.get(mail_url(mail_id, "/confirmation?quand=maintenant")))
    assert "Remis à La Poste le mercredi 3 mars 2027" in confirmation
    assert "Saisie de l'adresse du destinataire" in confirmation and "Total TTC" in confirmation
    send_now(client, mail_id)
    assert "Transmis le 03/03/2027" in row_of(client, mail_id)

    scheduler(app)  # to the printer at once
    found = facts(app, agency, mail_id)
    assert found["state"] == MailState.TRANSMITTED
    # What the printer received: the carrier page with the typed address, then the Word file
    # as converted, its two pages; colour and duplex, posted on the day promised.
    assert [pages for _, pages in found["printed"]] == [1, 2]
    assert found["printer_options"]["mode"] == "lettre_suivie"
    assert found["printer_options"]["post_on"] == "2027-03-03"
    assert found["printer_options"]["colour"] and found["printer_options"]["duplex"]
    assert found["balance"] < CREDIT

    at(2027, 3, 3, 16, 0)
    scheduler(app)  # picked up by La Poste the day promised (validated before 10:30)
    at(2027, 3, 8, 12, 0)
    scheduler(app)  # delivered
    found = facts(app, agency, mail_id)
    status = found["status"]
    assert found["sending_state"] == "delivered"
    assert status.postal == "Distribué" and status.label == "Posté le 03/03/2027"
    assert status.tracking_number.startswith("1L")
    assert found["proofs"] == ["delivery", "deposit"]
    row = row_of(client, mail_id)
    assert "Posté le 03/03/2027" in row and "Distribué" in row
    assert status.tracking_number in row
    page = client.get(mail_url(mail_id)).get_data(as_text=True)
    assert f"suivre-vos-envois?code={status.tracking_number}" in page


def test_a_scanned_letter_read_by_ocr_comes_back_npai(app, client, agency, at):
    at(2027, 3, 3, 9, 0)
    scan = scanned(letter_pdf(["M. PAUL NPAI", "14 RUE PERDUE", "75016 PARIS"]))
    mail_id = new_mail(client)
    upload(client, mail_id, scan, "scan.pdf")
    drain(app, timeout=60)
    step(client, mail_id, "/documents", {"action": "continue", "colour": "y", "duplex": "y"})
    step(client, mail_id, "/mode", {"mode": "lettre_verte"})
    recipient = text(client.get(mail_url(mail_id, "/destinataire")))
    assert "14 RUE PERDUE" in recipient and "75016 PARIS" in recipient  # read by OCR
    confirmed = step(client, mail_id, "/destinataire", {"action": "detected"})
    assert confirmed.location.endswith(mail_url(mail_id, "/confirmation"))
    found = facts(app, agency, mail_id)
    assert found["source"] == RecipientSource.DETECTED
    assert "NPAI" in " ".join([found["recipient"][0], *found["recipient"][1]])
    send_now(client, mail_id)

    scheduler(app)
    printed = facts(app, agency, mail_id)["printed"]
    assert [pages for _, pages in printed] == [1] and printed[0][0].endswith("scan.pdf")
    at(2027, 3, 25, 12, 0)
    scheduler(app)  # N'habite pas à l'adresse indiquée: returned with the printer's notice
    found = facts(app, agency, mail_id)
    assert found["sending_state"] == "returned"
    assert found["status"].postal == "Retourné : NPAI"
    assert found["status"].return_reason == "N'habite pas à l'adresse indiquée (NPAI)"
    assert "return" in found["proofs"]
    assert found["state"] == MailState.POSTED
    assert "Retourné : NPAI" in row_of(client, mail_id)


def test_scheduled_cancelled_the_day_before_refunded_once_refused_on_its_day(
    app, client, agency, at
):
    at(2027, 3, 3, 9, 0)
    cancelled = make_mail(app, agency, documents=[letter_pdf()])
    kept = make_mail(app, agency, documents=[letter_pdf()])
    for mail_id, day in ((cancelled, "10/03/2027"), (kept, "05/03/2027")):
        step(client, mail_id, "/destinataire", {"action": "detected"})
        page = client.get(mail_url(mail_id, "/confirmation?quand=programmer"))
        data = {
            "csrf_token": token_of(page),
            "when": "programmer",
            "send_on": day,
            "confirmed": "y",
        }
        scheduled = client.post(mail_url(mail_id, "/confirmation?quand=programmer"), data=data)
        assert scheduled.status_code == 302, text(scheduled)[:800]
    assert "Programmé le 10/03/2027" in row_of(client, cancelled)
    charged = facts(app, agency, kept)["balance"]
    assert charged < CREDIT

    # One on its day (before it is transmitted): too late to cancel.
    at(2027, 3, 5, 6, 0)
    page = client.get(mail_url(kept))
    assert "Annuler l'envoi" not in text(page)
    refused = client.post(
        mail_url(kept, "/annuler"),
        data={"csrf_token": token_of(page), "confirme": "1"},
        follow_redirects=True,
    )
    assert "ne peut plus être annulé" in text(refused)
    found = facts(app, agency, kept)
    assert found["state"] == MailState.SCHEDULED and found["refunds"] == 0
    at(2027, 3, 5, 7, 1)
    scheduler(app)  # transmitted on its day
    assert facts(app, agency, kept)["state"] == MailState.TRANSMITTED

    # The other the day before its day: cancelled, refunded.
    at(2027, 3, 9, 18, 0)
    page = client.get(mail_url(cancelled))
    asked = client.post(mail_url(cancelled, "/annuler"), data={"csrf_token": token_of(page)})
    assert "Annuler l'envoi" in text(asked)  # asked once more, with the amount given back
    for _ in range(2):  # a double click refunds once
        client.post(
            mail_url(cancelled, "/annuler"), data={"csrf_token": token_of(page), "confirme": "1"}
        )
    drain(app)
    found = facts(app, agency, cancelled)
    assert found["state"] == MailState.CANCELLED and found["sending_state"] == "cancelled"
    assert found["refunds"] == 1
    # Two mails of the same price were charged: one is given back.
    assert CREDIT - found["balance"] == (CREDIT - charged) // 2
    assert "Annulé" in row_of(client, cancelled)
    at(2027, 3, 10, 8, 0)
    scheduler(app)  # its day comes: nothing leaves
    assert facts(app, agency, cancelled)["printed"] is None
