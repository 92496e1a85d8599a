"""A letter whose mandate is signed electronically after validation (the platform sends it):
« Signer le mandat et envoyer », the send held until the client signs — then sent with the
signed mandate; not signed by 20:00 on the send day → cancelled, refunded once, the agent
emailed. An account's first letter: both holds cleared before it leaves."""

from __future__ import annotations

import pytest
from mandatekit import procedure_of, sign_all, start, url
from sendkit import (
    allowed,
    approve,
    balance,
    freezer,
    mails_to,
    ready_letter,
    run_periodic,
    sent_letter,
    state_of,
    stored,
    text,
    validate,
)

from plugins.resiliation import sending as sending_part
from plugins.resiliation.models import LetterState, MandateKind
from portal.core.sendings.operators.base import SendingState

PLATFORM_PRICE = 528


@pytest.fixture
def at(monkeypatch):
    return freezer(monkeypatch)


def platform_letter(app, agency, client, post_form, **fields) -> int:
    """A letter sent in the platform's name, its mandate's e-signature started (not signed)."""
    letter_id = ready_letter(
        app, agency, mandate_kind=MandateKind.UNDECIDED, mandate_ready_at=None, **fields
    )
    post_form(
        client, url(letter_id, "/mandat"), {"sender": "platform"}, url(letter_id, "/emetteur")
    )
    assert start(client, post_form, letter_id).status_code == 302
    return letter_id


def test_the_platform_send_waits_for_the_signature_then_leaves_with_the_signed_mandate(
    app, make_account, logged_in, in_tenant, post_form, at
):
    from portal.core.sendings.jobs import dispatch_due

    at(0, 10)
    agency = make_account("resilimo", "plateforme.signe@agence.fr")
    allowed(app, agency)
    client = logged_in(agency)
    letter_id = platform_letter(app, agency, client, post_form)
    page = text(client.get(f"/resiliation/lettres/{letter_id}/confirmer"))
    assert "Signer le mandat et envoyer" in page
    assert "Votre client doit signer le mandat avant 20:00" in page
    assert validate(client, letter_id).status_code == 302
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.VALIDATED and row["price"] == PLATFORM_PRICE
    # The account's first letter: held for the review and for the signature.
    assert row["held_for"] == "review+mandate_signature"
    assert row["documents"][1] == "mandat.pdf"
    page = text(client.get(f"/resiliation/lettres/{letter_id}"))
    assert "En attente de la signature du mandat par votre client" in page
    approve(app, agency, letter_id)
    run_periodic(app, dispatch_due)
    row = stored(app, agency, letter_id)
    assert row["held_for"] == "mandate_signature"
    assert row["sending_state"] == SendingState.SCHEDULED

    sign_all(app, in_tenant, agency.tenant_id, procedure_of(in_tenant, letter_id)["reference"])
    row = stored(app, agency, letter_id)
    assert row["held_for"] is None and row["documents"][1] == "mandat-signe.pdf"
    run_periodic(app, dispatch_due)
    # Handed over (a qualified LRE: the recipient identifies before accepting).
    assert state_of(app, agency, row["sending"]) in (
        SendingState.IN_PROGRESS,
        SendingState.DELIVERED,
    )
    assert balance(app, agency) == 5000 - PLATFORM_PRICE


def test_not_signed_by_20h_the_send_is_cancelled_refunded_and_the_agent_emailed(
    app, make_account, logged_in, post_form, at
):
    at(0, 10)
    agency = make_account("resilimo", "plateforme.nonsigne@agence.fr")
    allowed(app, agency)
    client = logged_in(agency)
    sent_letter(app, agency, client)  # the first letter, out of the way
    paid = balance(app, agency)
    letter_id = platform_letter(app, agency, client, post_form)
    assert validate(client, letter_id).status_code == 302
    assert stored(app, agency, letter_id)["held_for"] == "mandate_signature"
    assert balance(app, agency) == paid - PLATFORM_PRICE

    at(0, 19, 59)
    run_periodic(app, sending_part.expire_unsigned_mandates)
    assert stored(app, agency, letter_id)["state"] == LetterState.VALIDATED
    at(0, 20, 1)
    run_periodic(app, sending_part.expire_unsigned_mandates)
    run_periodic(app, sending_part.expire_unsigned_mandates)  # twice: refunded once
    row = stored(app, agency, letter_id)
    assert row["state"] == LetterState.CANCELLED
    assert row["sending_state"] == SendingState.CANCELLED
    assert balance(app, agency) == paid
    mails = [
        m for m in mails_to(app, agency.tenant_id, agency.email) if "mandat non signé" in m.subject
    ]
    assert len(mails) == 1
    assert "n'a pas signé le mandat avant 20:00" in mails[0].body_text
    assert "recrédité" in mails[0].body_text
    page = text(client.get(f"/resiliation/lettres/{letter_id}"))
    assert "Envoi annulé" in page and "Programmer à nouveau" in page
