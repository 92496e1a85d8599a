"""Step 4 « Confirmation » and a mail's page, through the pages as an agent uses them: the print
preview, the price TTC and the balance after, the day La Poste gets it (before and after the
10:30 cut-off, a Friday afternoon), send now (once, whatever the clicks), not enough credit,
schedule, change the date, cancel (refunded) until the day before, never on its day."""

from __future__ import annotations

import re
import uuid

import pytest
from papermailkit import DUPOND, make_mail, text

from plugins.paper_mail.models import MailState, PaperMail, RecipientSource
from portal.core import clock
from portal.core.credits.ledger import balance_cents
from portal.core.jobs import drain
from portal.core.sendings.jobs import dispatch_due
from portal.core.sendings.models import Sending
from portal.core.sendings.operators.paper_sandbox.jobs import advance_paper_sandbox
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.accounts import allow_sending

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


@pytest.fixture
def client(agency, logged_in):
    return logged_in(agency)


@pytest.fixture
def ready(app, agency):
    """A draft ready to send: one letter, its address read in the window and confirmed."""
    return make_mail(app, agency, **DETECTED)


def confirm_url(mail_id: int, when: str = "maintenant") -> str:
    return f"/paper-mail/courriers/{mail_id}/confirmation?quand={when}"


def token_of(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]


def balance(app, account) -> int:
    with app.app_context(), tenant_scope(account.tenant_id):
        return balance_cents(account.id)


def mail_facts(app, account, mail_id) -> tuple[str, int]:
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        count = db.session.query(Sending).filter_by(subject_id=mail_id, owner="paper_mail").count()
        return mail.state, count


def test_the_confirmation_shows_preview_price_and_the_hand_over_day(app, client, ready, at):
    at(2027, 3, 3, 10, 0)  # Wednesday, before 10:30
    response = client.get(confirm_url(ready))
    assert response.status_code == 200
    page = text(response)
    html = response.get_data(as_text=True)
    assert "Aperçu de l'impression" in page
    assert f'src="/paper-mail/courriers/{ready}/apercu/0.png" loading="lazy"' in html
    assert "Feuille 1 — recto" in page
    assert "Total TTC" in page and "€" in page
    assert "solde après l'envoi" in page
    assert "SARL DUPOND" in page and "38000 GRENOBLE" in page
    assert "Lettre verte" in page
    assert "Remis à La Poste le mercredi 3 mars 2027" in page
    assert "Une fois l'envoi validé, il n'est plus possible de l'annuler ni de le modifier" in page
    assert "Je confirme le visuel du courrier, l'adresse du destinataire et la date d'envoi" in page

    image = client.get(f"/paper-mail/courriers/{ready}/apercu/0.png")
    assert image.status_code == 200 and image.get_data().startswith(b"\x89PNG")

    at(2027, 3, 3, 11, 0)  # after the cut-off: tomorrow
    assert "Remis à La Poste le jeudi 4 mars 2027" in text(client.get(confirm_url(ready)))
    at(2027, 3, 5, 15, 0)  # a Friday afternoon: Monday
    assert "Remis à La Poste le lundi 8 mars 2027" in text(client.get(confirm_url(ready)))


def test_send_now_through_the_page_once(app, client, agency, ready, at):
    at(2027, 3, 3, 10, 0)
    before = balance(app, agency)
    token = token_of(client.get(confirm_url(ready)))
    unconfirmed = client.post(confirm_url(ready), data={"csrf_token": token, "when": "maintenant"})
    assert unconfirmed.status_code == 400
    assert "Cochez cette case pour confirmer l'envoi." in text(unconfirmed)
    assert mail_facts(app, agency, ready) == (MailState.DRAFT, 0)

    data = {"csrf_token": token, "when": "maintenant", "confirmed": "y"}
    sent = client.post(confirm_url(ready), data=data)
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/paper-mail/courriers/{ready}")
    again = client.post(confirm_url(ready), data=data)  # a double click
    assert again.status_code == 302
    assert mail_facts(app, agency, ready)[1] == 1
    after = balance(app, agency)
    assert 0 < before - after < 1000  # charged once

    page = text(client.get(f"/paper-mail/courriers/{ready}"))
    assert "Transmis le 03/03/2027" in page
    assert "Remis à La Poste le mercredi 3 mars 2027" in page
    assert "Annuler l'envoi" not in page
    assert "Modifier la date d'envoi" not in page
    assert "Ce courrier ne peut plus être modifié ni annulé." in page
    assert "Retour à la liste" in page
    assert "Voir le courrier envoyé" in page
    printed = client.get(f"/paper-mail/courriers/{ready}/courrier.pdf")
    assert printed.get_data().startswith(b"%PDF")
    assert client.get(f"/paper-mail/courriers/{ready}/confirmation").status_code == 302

    with app.app_context(), tenant_scope(agency.tenant_id):  # the retention's purge
        db.session.get(PaperMail, ready).contents_purged_at = clock.now()
        db.session.commit()
    purged = text(client.get(f"/paper-mail/courriers/{ready}"))
    assert "Contenu supprimé après 14 jours" in purged
    assert "document-1.pdf" in purged  # its name and pages stay
    assert "Voir le courrier envoyé" not in purged
    assert client.get(f"/paper-mail/courriers/{ready}/apercu/0.png").status_code == 404


def test_not_enough_credit_is_said_on_the_page_and_nothing_is_lost(app, make_account, logged_in):
    poor = make_account("resilimo", f"papier-pauvre.{uuid.uuid4().hex[:8]}@agence.fr")
    allow_sending(app, poor)
    mail_id = make_mail(app, poor, **DETECTED)
    client = logged_in(poor)
    page = client.get(confirm_url(mail_id))
    assert "Votre crédit est insuffisant pour cet envoi." in text(page)
    data = {"csrf_token": token_of(page), "when": "maintenant", "confirmed": "y"}
    refused = client.post(confirm_url(mail_id), data=data)
    assert refused.status_code == 400
    assert "ne couvre pas ce courrier" in text(refused)
    assert mail_facts(app, poor, mail_id) == (MailState.DRAFT, 0)


def test_schedule_change_the_date_and_cancel_refunded(app, client, agency, ready, at):
    at(2027, 3, 3, 10, 0)
    before = balance(app, agency)
    page = client.get(confirm_url(ready, "programmer"))
    assert "Remis à La Poste le jeudi 4 mars 2027" in text(page)  # tomorrow by default
    today = client.post(
        confirm_url(ready, "programmer"),
        data={
            "csrf_token": token_of(page),
            "when": "programmer",
            "send_on": "03/03/2027",
            "confirmed": "y",
        },
    )
    assert today.status_code == 400
    assert "au plus tôt pour le lendemain" in text(today)
    scheduled = client.post(
        confirm_url(ready, "programmer"),
        data={
            "csrf_token": token_of(page),
            "when": "programmer",
            "send_on": "2027-03-10",
            "confirmed": "y",
        },
        follow_redirects=True,
    )
    shown = text(scheduled)
    assert "Programmé le 10/03/2027" in shown
    assert "Remis à La Poste le mercredi 10 mars 2027" in shown
    assert "Modifier la date d'envoi" in shown and "Annuler l'envoi" in shown
    assert balance(app, agency) < before

    date_page = client.get(f"/paper-mail/courriers/{ready}/date")
    moved = client.post(
        f"/paper-mail/courriers/{ready}/date",
        data={"csrf_token": token_of(date_page), "send_on": "12/03/2027"},
        follow_redirects=True,
    )
    assert "Programmé le 12/03/2027" in text(moved)

    asked = client.post(
        f"/paper-mail/courriers/{ready}/annuler", data={"csrf_token": token_of(moved)}
    )
    assert "Garder l'envoi programmé" in text(asked)
    assert mail_facts(app, agency, ready)[0] == MailState.SCHEDULED
    cancelled = client.post(
        f"/paper-mail/courriers/{ready}/annuler",
        data={"csrf_token": token_of(moved), "confirme": "1"},
        follow_redirects=True,
    )
    assert "Annulé" in text(cancelled)
    assert "recrédité" in text(cancelled)
    assert balance(app, agency) == before
    assert mail_facts(app, agency, ready)[0] == MailState.CANCELLED


def test_cancel_is_refused_on_its_day(app, client, agency, ready, at):
    at(2027, 3, 3, 10, 0)
    page = client.get(confirm_url(ready, "programmer"))
    client.post(
        confirm_url(ready, "programmer"),
        data={
            "csrf_token": token_of(page),
            "when": "programmer",
            "send_on": "04/03/2027",
            "confirmed": "y",
        },
    )
    at(2027, 3, 4, 6, 0)  # its day, before it is transmitted
    shown = client.get(f"/paper-mail/courriers/{ready}")
    assert "Annuler l'envoi" not in text(shown)
    refused = client.post(
        f"/paper-mail/courriers/{ready}/annuler",
        data={"csrf_token": token_of(page), "confirme": "1"},
        follow_redirects=True,
    )
    assert "ne peut plus être annulé" in text(refused)
    assert mail_facts(app, agency, ready)[0] == MailState.SCHEDULED


def test_a_draft_page_goes_to_its_documents_and_anothers_mail_is_a_404(
    app, client, agency, make_account
):
    draft = make_mail(app, agency, documents=[])
    response = client.get(f"/paper-mail/courriers/{draft}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/paper-mail/courriers/{draft}/documents")
    other = make_account("resilimo", f"papier-autre.{uuid.uuid4().hex[:8]}@agence.fr")
    theirs = make_mail(app, other, documents=[])
    assert client.get(confirm_url(theirs)).status_code == 404
    assert client.get(f"/paper-mail/courriers/{theirs}/apercu/0.png").status_code == 404


def scheduler(app) -> None:
    """The scheduler's minute and the sandbox printer's round, then the jobs they queued."""
    for periodic in (dispatch_due, advance_paper_sandbox):
        with app.app_context(), unscoped():
            periodic(None)
            db.session.commit()
        drain(app, timeout=60)


def test_a_tracked_letter_on_its_page_and_in_the_list_until_delivered(app, client, agency, at):
    at(2027, 3, 3, 9, 0)
    mail_id = make_mail(app, agency, mode="lettre_suivie", **DETECTED, **SENDER)
    page = client.get(confirm_url(mail_id))
    assert "Agence Fournier" in text(page)  # the sender, asked by the tracked modes
    data = {"csrf_token": token_of(page), "when": "maintenant", "confirmed": "y"}
    assert client.post(confirm_url(mail_id), data=data).status_code == 302
    npai = make_mail(app, agency, **{**DETECTED, "recipient_lines": ["NPAI 14 RUE PERDUE"]})
    assert client.post(confirm_url(npai), data=data).status_code == 302
    scheduler(app)  # to the printer at once
    at(2027, 3, 4, 10, 0)
    scheduler(app)  # picked up by La Poste
    at(2027, 3, 8, 12, 0)
    scheduler(app)  # delivered

    shown = client.get(f"/paper-mail/courriers/{mail_id}")
    page = text(shown)
    html = shown.get_data(as_text=True)
    assert "Suivi postal : Distribué" in page
    number = re.search(r"suivre-vos-envois\?code=(\w+)", html)[1]
    assert number in page
    assert "Preuve de dépôt" in page
    assert "Télécharger toutes les preuves" in page
    proof_ids = re.findall(rf"/paper-mail/courriers/{mail_id}/preuves/(\d+)", html)
    assert proof_ids
    proof = client.get(f"/paper-mail/courriers/{mail_id}/preuves/{proof_ids[0]}")
    assert proof.status_code == 200 and proof.get_data().startswith(b"%PDF")
    bundle = client.get(f"/paper-mail/courriers/{mail_id}/preuves.zip")
    assert bundle.mimetype == "application/zip"
    assert client.get(f"/paper-mail/courriers/{mail_id}/preuves/999999").status_code == 404

    listed = client.get("/paper-mail/")
    row = re.search(rf'<tr data-mail="{mail_id}">.*?</tr>', listed.get_data(as_text=True), re.S)[0]
    assert "Distribué" in row and f"code={number}" in row
    assert "Posté le" in row

    at(2027, 3, 25, 12, 0)
    scheduler(app)  # the untracked letter comes back: N'habite pas à l'adresse indiquée
    row = re.search(
        rf'<tr data-mail="{npai}">.*?</tr>', client.get("/paper-mail/").get_data(as_text=True), re.S
    )[0]
    assert "Retourné : NPAI" in row
    assert "Motif du retour : N'habite pas à l'adresse indiquée (NPAI)" in text(
        client.get(f"/paper-mail/courriers/{npai}")
    )
