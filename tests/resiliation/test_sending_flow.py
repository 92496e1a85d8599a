"""Validating and sending a letter through the real LRE sandbox: the checklist (an account not
allowed to send, credit short), the charge taken once (double post), the letter frozen; the
sending handed over and accepted, refused or not claimed through the sandbox's callbacks; a
scheduled letter cancelled the day before (refunded once), refused on its day, rescheduled,
programmed again; qualified or simple LRE; tenants are walls."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from letterkit import verified
from sendkit import (
    allowed,
    approve,
    balance,
    confirm_url,
    freezer,
    give_credit,
    letter_url,
    link_in,
    mails_to,
    numbers,
    post_with_token,
    ready_letter,
    run_periodic,
    sent_letter,
    state_of,
    stored,
    text,
    validate,
)

from plugins.resiliation import sending as sending_part
from plugins.resiliation.models import Letter, LetterState, MandateKind, Review
from plugins.resiliation.rules import PARIS
from portal.core import clock
from portal.core.jobs import drain
from portal.core.sendings.operators.base import SendingState
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token


@pytest.fixture
def at(monkeypatch):
    """``at(days, hour, minute)``: the portal's clock ``days`` after today, Paris time."""
    return freezer(monkeypatch)


@pytest.fixture
def agency(make_account):
    return make_account("resilimo", f"envoi{next(numbers)}@agence.fr")


@pytest.fixture
def client(logged_in, agency):
    return logged_in(agency)


# --- validation ------------------------------------------------------------------------------


def test_validation_charges_once_and_freezes_the_letter(app, agency, client, at):
    at(0, 10)
    allowed(app, agency)
    letter_id = ready_letter(app, agency, days=3)
    page = text(client.get(confirm_url(letter_id)))
    due = (clock.now().astimezone(PARIS).date() + timedelta(days=3)).strftime("%d/%m/%Y")
    assert f"Valider et envoyer le {due}" in page
    token = csrf_token(client.get(confirm_url(letter_id)).get_data(as_text=True))
    first = client.post(confirm_url(letter_id), data={"csrf_token": token, "confirm": "y"})
    again = client.post(confirm_url(letter_id), data={"csrf_token": token, "confirm": "y"})
    assert first.status_code == 302 and again.status_code == 302
    assert first.headers["Location"].endswith(letter_url(letter_id))
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.VALIDATED and row["sendings"] == 1
    assert row["sending_state"] == SendingState.SCHEDULED
    assert balance(app, agency) == 5000 - 378  # charged once
    assert row["due_at"] == datetime.combine(row["send_date"], datetime.min.time()).replace(
        tzinfo=PARIS
    )
    assert row["documents"] == [row["documents"][0]] and row["documents"][0].endswith(".pdf")
    page = text(client.get(letter_url(letter_id)))
    assert "Envoi programmé" in page and f"Date d'envoi prévue {due}" in page
    assert "Modifier la date" in page and "Annuler l'envoi" in page
    # Frozen: the edit pages refuse it, and validating through the API returns the same send.
    assert client.get(f"/resiliation/lettres/{letter_id}/finaliser").status_code in (200, 302)
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        assert sending_part.validate_letter(letter, None).reference == row["sending"]
        db.session.commit()
    assert balance(app, agency) == 5000 - 378


def test_an_account_not_allowed_to_send_is_refused_with_the_reason(app, agency, client, at):
    at(0, 10)
    verified(app, agency)  # no platform mandate signed
    give_credit(app, agency, 5000)
    letter_id = ready_letter(app, agency)
    response = validate(client, letter_id)
    assert response.status_code == 400
    page = text(response)
    assert "Votre compte ne peut pas encore envoyer de lettre" in page
    assert "Mandat signé autorisant la plateforme à envoyer vos courriers" in page
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.DRAFT and row["sendings"] == 0
    assert balance(app, agency) == 5000


def test_a_short_credit_is_refused_and_nothing_changes(app, agency, client, at):
    at(0, 10)
    allowed(app, agency, credit=100)
    letter_id = ready_letter(app, agency, dates_confirmed_at=None)
    response = validate(client, letter_id)
    assert response.status_code == 400
    page = text(response)
    assert "ne couvre pas ce montant" in page and "Acheter des crédits" in page
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.DRAFT and row["sendings"] == 0
    assert balance(app, agency) == 100
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert db.session.get(Letter, letter_id).dates_confirmed_at is None


def test_the_first_letter_waits_for_the_support_then_leaves(app, agency, client, at):
    from portal.core.sendings.jobs import dispatch_due

    at(0, 10)
    allowed(app, agency)
    letter_id = ready_letter(app, agency)
    assert "C'est la première lettre de votre compte" in text(client.get(confirm_url(letter_id)))
    assert validate(client, letter_id).status_code == 302
    row = stored(app, agency, letter_id)
    assert row["review"] == Review.PENDING and row["held_for"] == "review"
    assert "notre équipe la vérifie avant son envoi" in text(client.get(letter_url(letter_id)))
    run_periodic(app, dispatch_due)
    assert stored(app, agency, letter_id)["sending_state"] == SendingState.SCHEDULED
    approve(app, agency, letter_id)
    run_periodic(app, dispatch_due)
    row = stored(app, agency, letter_id)
    assert row["review"] == Review.APPROVED and row["held_for"] is None
    assert row["sending_state"] == SendingState.DELIVERED  # « +accepte »
    # The second letter is not reviewed.
    second = ready_letter(app, agency)
    assert validate(client, second).status_code == 302
    assert stored(app, agency, second)["review"] == Review.NONE


# --- through the sandbox ---------------------------------------------------------------------


def test_accepted_through_the_callbacks(app, agency, client, at):
    at(0, 10)
    allowed(app, agency)
    letter_id = sent_letter(app, agency, client)
    row = stored(app, agency, letter_id)
    assert row["sending_state"] == SendingState.DELIVERED
    assert balance(app, agency) == 5000 - 378


def test_refused_on_the_recipients_page(app, agency, client, client_for, at):
    at(0, 10)
    allowed(app, agency)
    email = f"resiliation{next(numbers)}@assureur-refus.example"
    letter_id = sent_letter(app, agency, client, email=email)
    assert stored(app, agency, letter_id)["sending_state"] == SendingState.IN_PROGRESS
    with app.app_context(), tenant_scope(agency.tenant_id):
        recipient_name = db.session.get(Letter, letter_id).recipient_name
    recipient = client_for("resilimo")
    path = link_in(mails_to(app, agency.tenant_id, email)[0])
    for action, data in (
        (path, {"name": recipient_name, "confirm": "y"}),
        (path + "/decision", {"decision": "refuser"}),
    ):
        token = csrf_token(recipient.get(path).get_data(as_text=True))
        assert recipient.post(action, data={**data, "csrf_token": token}).status_code == 302
    drain(app)
    assert stored(app, agency, letter_id)["sending_state"] == SendingState.REFUSED


def test_not_claimed_after_15_days(app, agency, client, at, monkeypatch):
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_negligence

    at(0, 10)
    allowed(app, agency)
    letter_id = sent_letter(app, agency, client, email="resiliation+neglige@maaf.example")
    assert stored(app, agency, letter_id)["sending_state"] == SendingState.IN_PROGRESS
    at(17, 10)
    reference = stored(app, agency, letter_id)["sending"]
    run_periodic(app, lre_sandbox_negligence)
    assert state_of(app, agency, reference) == SendingState.NOT_CLAIMED


# --- scheduled letters -----------------------------------------------------------------------


def test_cancelled_the_day_before_is_refunded_once(app, agency, client, at):
    at(0, 10)
    allowed(app, agency)
    sent_letter(app, agency, client)  # the account's first letter, out of the way
    paid = balance(app, agency)
    letter_id = ready_letter(app, agency, days=3)
    assert validate(client, letter_id).status_code == 302
    assert balance(app, agency) == paid - 378
    at(2, 23, 30)  # the eve, late
    page = text(client.get(f"/resiliation/lettres/{letter_id}/envoi/annuler"))
    assert "son prix (3,78 € TTC) est recrédité" in page
    path = f"/resiliation/lettres/{letter_id}/envoi/annuler"
    response = post_with_token(client, letter_id, path)
    assert response.status_code == 302
    assert post_with_token(client, letter_id, path).status_code == 302  # again: nothing more
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.CANCELLED
    assert row["sending_state"] == SendingState.CANCELLED
    assert balance(app, agency) == paid  # refunded once
    page = text(client.get(letter_url(letter_id)))
    assert "Envoi annulé" in page and "Programmer à nouveau" in page


def test_a_send_cannot_be_cancelled_or_moved_on_its_day(app, agency, client, at):
    at(0, 10)
    allowed(app, agency)
    sent_letter(app, agency, client)
    paid = balance(app, agency)
    letter_id = ready_letter(app, agency, days=2)
    assert validate(client, letter_id).status_code == 302
    at(2, 0, 30)  # its day
    page = text(client.get(letter_url(letter_id)))
    assert "sa date ne peut plus être modifiée ni son envoi annulé" in page
    assert "Annuler l'envoi" not in page
    response = post_with_token(client, letter_id, f"/resiliation/lettres/{letter_id}/envoi/annuler")
    assert response.status_code == 400
    assert "Il est trop tard pour annuler cet envoi" in text(response)
    assert stored(app, agency, letter_id)["state"] == LetterState.VALIDATED
    assert balance(app, agency) == paid - 378


def test_the_date_moves_until_the_eve_and_a_cancelled_letter_is_programmed_again(
    app, agency, client, at
):
    at(0, 10)
    allowed(app, agency)
    sent_letter(app, agency, client)
    paid = balance(app, agency)
    letter_id = ready_letter(app, agency, days=3)
    assert validate(client, letter_id).status_code == 302
    date_path = f"/resiliation/lettres/{letter_id}/envoi/date"
    response = post_with_token(client, letter_id, date_path, {"send_date": "01/01/2000"})
    assert response.status_code == 400
    # The message next to the field, what was typed kept.
    assert "Nouvelle date d'envoi JJ/MM/AAAA Choisissez le" in text(response)
    assert 'value="2000-01-01"' in response.get_data(as_text=True)
    new_day = clock.now().astimezone(PARIS).date() + timedelta(days=5)
    response = post_with_token(
        client, letter_id, date_path, {"send_date": new_day.strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    row = stored(app, agency, letter_id)
    assert row["send_date"] == new_day
    assert row["due_at"] == datetime.combine(new_day, datetime.min.time()).replace(tzinfo=PARIS)
    assert (
        post_with_token(
            client, letter_id, f"/resiliation/lettres/{letter_id}/envoi/annuler"
        ).status_code
        == 302
    )
    assert balance(app, agency) == paid
    # Programmed again, as « sans accusé de réception »: a new send, charged again.
    again = f"/resiliation/lettres/{letter_id}/envoi/reprogrammer"
    assert "Programmer à nouveau" in text(client.get(again))
    response = post_with_token(
        client,
        letter_id,
        again,
        {"send_type": "lr", "send_date": new_day.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.VALIDATED and row["sendings"] == 2
    assert row["sending_state"] == SendingState.SCHEDULED and row["price"] == 297
    assert balance(app, agency) == paid - 297


# --- qualified or simple ---------------------------------------------------------------------


def test_qualified_when_both_are_identified_else_simple_with_the_warning(
    app, make_account, logged_in, at
):
    at(0, 10)
    simple = make_account("resilimo", "simple.lre@agence.fr")
    allowed(app, simple)
    client = logged_in(simple)
    letter_id = ready_letter(app, simple)
    page = text(client.get(confirm_url(letter_id)))
    assert "Votre lettre part en LRE simple." in page
    assert "vous pouvez envoyer une LRE qualifiée" in page and "Vérifier mon identité" in page
    assert validate(client, letter_id).status_code == 302
    assert stored(app, simple, letter_id)["qualified"] is False

    qualified = make_account("resilimo", "qualifiee.lre@agence.fr")
    allowed(app, qualified, identified=True)
    client = logged_in(qualified)
    letter_id = ready_letter(app, qualified)
    page = text(client.get(confirm_url(letter_id)))
    assert "Votre lettre part en LRE qualifiée" in page and "Vérifier mon identité" not in page
    assert validate(client, letter_id).status_code == 302
    assert stored(app, qualified, letter_id)["qualified"] is True
    # A recipient not identified: simple, and no warning.
    other = ready_letter(app, qualified, recipient_identified=False)
    page = text(client.get(confirm_url(other)))
    assert "Votre lettre part en LRE simple." in page and "Vérifier mon identité" not in page


def test_another_accounts_letter_is_not_found(app, agency, make_account, logged_in, at):
    at(0, 10)
    allowed(app, agency)
    letter_id = ready_letter(app, agency, days=3)
    assert validate(logged_in(agency), letter_id).status_code == 302
    stranger = logged_in(make_account("resilimo", "autre.envoi@agence.fr"))
    for path in ("envoi/annuler", "envoi/date", "envoi/reprogrammer", "confirmer"):
        assert stranger.get(f"/resiliation/lettres/{letter_id}/{path}").status_code == 404
    other_tenant = logged_in(make_account("horizon", "envoi@horizon.fr"))
    assert other_tenant.get(f"/resiliation/lettres/{letter_id}/envoi/annuler").status_code == 404


def test_a_hand_signed_scan_goes_with_the_letter_as_a_pdf(app, agency, client, at):
    import io

    from pypdf import PdfReader
    from webkit import png_bytes

    from plugins.resiliation.mandates.models import LetterMandate
    from portal.core.storage import storage

    at(0, 10)
    allowed(app, agency)
    letter_id = ready_letter(app, agency, mandate_kind=MandateKind.HAND_SIGNED)
    with app.app_context(), tenant_scope(agency.tenant_id):
        key = f"tenants/{agency.tenant_id}/resiliation/mandates/scan-test.png"
        storage().put(key, png_bytes(), "image/png")
        db.session.add(
            LetterMandate(
                letter_id=letter_id,
                scan_key=key,
                scan_filename="scan.png",
                scan_content_type="image/png",
                scan_validated_at=clock.now(),
            )
        )
        db.session.commit()
    assert validate(client, letter_id).status_code == 302
    row = stored(app, agency, letter_id)
    assert row["documents"][1] == "mandat-signe.pdf" and row["held_for"] == "review"
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending = db.session.get(Letter, letter_id).sending
        content = storage().read(sending.documents[1].storage_key)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
