"""Finalising a letter: the send type and its price from the tenant's price list, the dates
(loi Hamon / RIA from the new contracts' effective date, the others from the send date), the
confirmation with the balance, and the panel of the letter page."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from letterkit import make_insurer, make_letter
from sqlalchemy import select

from plugins.resiliation import finalizing
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import ContractType, Reason, Sender, SendType
from portal.core import clock
from portal.core.accounts.models import Account
from portal.core.credits.ledger import adjust
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

READY = datetime(2021, 1, 1, tzinfo=UTC)
AUTO = [{"contract_type": ContractType.AUTO, "reference": "12536985", "registration": "AA-111-BB"}]


def text(response) -> str:
    """The page's text, tags removed and spaces (no-break ones included) made plain."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", html)
    plain = plain.replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


@pytest.fixture
def at(monkeypatch):
    """``at(2021, 11, 29, 10, 0)``: the portal's clock at that moment, Paris time."""

    def freeze(*parts):
        moment = datetime(*parts, tzinfo=finalizing.rules.PARIS).astimezone(UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def agency(make_account):
    return make_account("resilimo", "finalize@agence.fr")


@pytest.fixture
def client(logged_in, agency):
    return logged_in(agency)


_insurers = itertools.count(1)


def new_letter(app, account, **fields) -> int:
    """A letter of the kit, to an insurer of its own (the kit names one per account)."""
    if "insurer_id" not in fields:
        name = f"Assureur finalize {next(_insurers)}"
        fields["insurer_id"] = make_insurer(app, account.tenant_id, name=name)
    return make_letter(app, account, **fields)


def ready_letter(app, account, **fields) -> int:
    """A letter whose mandate side is settled (« sans mandat »)."""
    values = {"mandate_kind": MandateKind.NONE, "mandate_ready_at": READY, **fields}
    return new_letter(app, account, **values)


def stored(app, account, letter_id) -> Letter:
    with app.app_context(), tenant_scope(account.tenant_id):
        letter = db.session.get(Letter, letter_id)
        db.session.expunge(letter)
        return letter


def give_credit(app, account, cents: int) -> None:
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            cents,
            reason="crédit de test",
            idempotency_key=f"test-finalize-{account.id}",
            actor_label="test",
        )
        db.session.commit()


def post(client, url: str, data: dict, csrf_token):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def finalize_url(letter_id: int) -> str:
    return f"/resiliation/lettres/{letter_id}/finaliser"


def confirm_url(letter_id: int) -> str:
    return f"/resiliation/lettres/{letter_id}/confirmer"


# --- prices ------------------------------------------------------------------------------------


def test_the_send_types_show_the_default_prices(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency)
    page = text(client.get(finalize_url(letter_id)))
    assert "Avec accusé de réception (3,78 € TTC)" in page
    assert "Sans accusé de réception (2,97 € TTC)" in page
    assert "Vous recevrez un avis de dépôt peu importe le type d'envoi" in page


def test_an_esigned_mandate_has_its_own_prices(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency, mandate_kind=MandateKind.ELECTRONIC)
    page = text(client.get(finalize_url(letter_id)))
    assert "Avec accusé de réception (4,91 € TTC)" in page
    assert "Sans accusé de réception (4,18 € TTC)" in page


def test_the_platform_sends_with_acknowledgement_only(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(
        app, agency, sender=Sender.PLATFORM, mandate_kind=MandateKind.ELECTRONIC
    )
    page = text(client.get(finalize_url(letter_id)))
    assert "Avec accusé de réception (5,28 € TTC)" in page
    assert "Sans accusé de réception" not in page


def test_a_tenant_price_overrides_the_default(app, agency, client, at, tenant_ids, monkeypatch):
    at(2021, 6, 10, 9, 0)
    with app.app_context():
        directory = tenant_directory()
        tenant = directory.by_id(tenant_ids["resilimo"])
        prices = {**tenant.config.prices, "resiliation.lr": 250}
        config = tenant.config.model_copy(update={"prices": prices})
        monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))
    letter_id = ready_letter(app, agency)
    page = text(client.get(finalize_url(letter_id)))
    assert "Sans accusé de réception (2,50 € TTC)" in page
    assert "Avec accusé de réception (3,78 € TTC)" in page


# --- dates: loi Hamon / RIA -----------------------------------------------------------------------


def test_hamon_a_chosen_effective_date_gives_the_send_date(app, agency, client, at, csrf_token):
    at(2021, 11, 20, 9, 0)
    letter_id = ready_letter(app, agency, reason=Reason.HAMON, contracts=AUTO)
    page = text(client.get(finalize_url(letter_id)))
    assert "Choisissez une date de prise d'effet des nouveaux contrats" in page
    # The FAQ: sent on 29 November, the new contract starts on 31 December.
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "effective_date": "31/12/2021", "action": "choose"},
        csrf_token,
    )
    assert response.status_code == 302
    page = text(client.get(finalize_url(letter_id)))
    assert "L'envoi de votre lettre est prévu pour le 29/11/2021" in page
    assert "Envoyer le 29/11/2021" in page
    letter = stored(app, agency, letter_id)
    assert (letter.effective_date, letter.send_date) == (date(2021, 12, 31), date(2021, 11, 29))
    assert letter.send_type == SendType.LR and not letter.as_early_as_possible
    # ... and on 30 November it starts on 2 January (the browser's date input).
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lrar", "effective_date": "2022-01-02", "action": "send"},
        csrf_token,
    )
    assert response.headers["Location"].endswith(confirm_url(letter_id))
    page = text(client.get(confirm_url(letter_id)))
    assert "Date de prise d'effet des contrats 02/01/2022" in page
    assert "Date d'envoi de votre lettre 30/11/2021" in page
    assert "Avec accusé de réception" in page and "3,78 € TTC" in page


def test_hamon_the_first_of_january_is_unreachable(app, agency, client, at, csrf_token):
    at(2021, 11, 20, 9, 0)
    letter_id = ready_letter(app, agency, reason=Reason.HAMON, contracts=AUTO)
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lrar", "effective_date": "01/01/2022", "action": "send"},
        csrf_token,
    )
    assert response.status_code == 400
    page = text(response)
    assert "Aucune date d'envoi ne donne une prise d'effet le 01/01/2022" in page
    # The nearest reachable dates are offered, next to the field; what was typed stays.
    assert 'value="2021-12-31"' in response.get_data(as_text=True)
    assert "Prise d'effet le 31/12/2021" in page and "Prise d'effet le 02/01/2022" in page
    assert 'value="2022-01-01"' in response.get_data(as_text=True)
    assert stored(app, agency, letter_id).send_date is None
    # Picking one of them chooses it.
    response = post(
        client, finalize_url(letter_id), {"send_type": "lrar", "nearest": "2021-12-31"}, csrf_token
    )
    assert response.status_code == 302
    letter = stored(app, agency, letter_id)
    assert (letter.effective_date, letter.send_date) == (date(2021, 12, 31), date(2021, 11, 29))


def test_hamon_too_early_and_unreadable_dates(app, agency, client, at, csrf_token):
    at(2021, 11, 20, 9, 0)
    letter_id = ready_letter(app, agency, reason=Reason.RIA)
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lrar", "effective_date": "01/12/2021", "action": "choose"},
        csrf_token,
    )
    assert response.status_code == 400
    assert "Trop tôt" in text(response) and "22/12/2021" in text(response)
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lrar", "effective_date": "32/13/2021", "action": "choose"},
        csrf_token,
    )
    assert response.status_code == 400
    assert "Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA." in text(response)
    assert 'value="32/13/2021"' in response.get_data(as_text=True)


def test_hamon_as_early_as_possible(app, agency, client, at, csrf_token):
    at(2021, 11, 29, 10, 0)
    letter_id = ready_letter(app, agency, reason=Reason.HAMON, contracts=AUTO)
    response = post(
        client, finalize_url(letter_id), {"send_type": "lrar", "action": "earliest"}, csrf_token
    )
    assert response.status_code == 302
    page = text(client.get(finalize_url(letter_id)))
    assert "Au plus tôt : les nouveaux contrats prennent effet le 31/12/2021." in page
    assert "L'envoi de votre lettre est prévu pour le 29/11/2021" in page
    letter = stored(app, agency, letter_id)
    assert letter.as_early_as_possible and letter.effective_date is None
    assert letter.send_date == date(2021, 11, 29)


def test_after_eight_pm_in_paris_the_earliest_send_day_is_tomorrow(
    app, agency, client, at, csrf_token
):
    at(2021, 11, 29, 20, 5)
    letter_id = ready_letter(app, agency)
    page = text(client.get(finalize_url(letter_id)))
    assert "Envoyer le 30/11/2021" in page
    assert "Il est plus de 20:00 : votre lettre partira au plus tôt le 30/11/2021." in page
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "29/11/2021", "action": "send"},
        csrf_token,
    )
    assert response.status_code == 400
    assert "Après 20:00, une lettre ne part plus le jour même : choisissez le 30/11/2021" in text(
        response
    )
    assert stored(app, agency, letter_id).send_date is None


# --- dates: the other reasons ---------------------------------------------------------------------


def test_other_reasons_choose_the_send_date(app, agency, client, at, csrf_token):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency)
    page = text(client.get(finalize_url(letter_id)))
    assert "Choisissez votre date d'envoi" in page and "Aujourd'hui" in page
    assert "Envoyer le 10/06/2021" in page
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "09/06/2021", "action": "send"},
        csrf_token,
    )
    assert response.status_code == 400
    assert "Cette date est passée : choisissez le 10/06/2021 ou une date ultérieure." in text(
        response
    )
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "15/06/2021", "action": "send"},
        csrf_token,
    )
    assert response.headers["Location"].endswith(confirm_url(letter_id))
    page = text(client.get(confirm_url(letter_id)))
    assert "Date d'envoi de votre lettre 15/06/2021" in page
    assert "Date de dépôt de votre lettre (avis de dépôt) 15/06/2021" in page
    assert "Sans accusé de réception" in page and "2,97 € TTC" in page


# --- the confirmation ---------------------------------------------------------------------------


def test_the_confirmation_shows_the_balance_and_needs_the_box(app, agency, client, at, csrf_token):
    at(2021, 6, 10, 9, 0)
    give_credit(app, agency, 1000)
    letter_id = ready_letter(app, agency, send_date=date(2021, 6, 12), send_type=SendType.LRAR)
    page = text(client.get(confirm_url(letter_id)))
    assert "Votre crédit 10,00 €" in page
    assert "Crédit après cet envoi 6,22 €" in page
    assert "Acheter des crédits" not in page
    assert "Je confirme ces dates et je suis responsable de ce choix" in page
    response = post(client, confirm_url(letter_id), {}, csrf_token)
    assert response.status_code == 400
    assert "Cochez cette case pour confirmer les dates." in text(response)
    assert stored(app, agency, letter_id).dates_confirmed_at is None
    # The box ticked, « Valider et envoyer » confirms the dates and validates in one step:
    # this account may not send yet (no verified document, no platform mandate), so nothing
    # changes and the reason is given (the whole flow: test_sending_flow.py).
    response = post(client, confirm_url(letter_id), {"confirm": "y"}, csrf_token)
    assert response.status_code == 400
    assert "Votre compte ne peut pas encore envoyer de lettre" in text(response)
    assert stored(app, agency, letter_id).dates_confirmed_at is None
    with app.app_context(), tenant_scope(agency.tenant_id):
        db.session.get(Letter, letter_id).dates_confirmed_at = clock.now()
        db.session.commit()
    page = text(client.get(f"/resiliation/lettres/{letter_id}"))
    assert "Dates confirmées" in page and "prête à être validée" in page
    # Changing the type afterwards withdraws the confirmation.
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "12/06/2021", "action": "choose"},
        csrf_token,
    )
    assert response.status_code == 302
    assert stored(app, agency, letter_id).dates_confirmed_at is None


def test_a_short_balance_links_to_buying_credit(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    give_credit(app, agency, 200)
    letter_id = ready_letter(app, agency, send_date=date(2021, 6, 12), send_type=SendType.LRAR)
    response = client.get(confirm_url(letter_id))
    page = text(response)
    assert "Votre crédit 2,00 €" in page
    assert "Crédit après cet envoi -1,78 €" in page
    assert "Votre crédit ne suffit pas pour cet envoi." in page
    assert 'href="/compte/credits"' in response.get_data(as_text=True)


def test_no_dates_yet_or_past_dates_go_back_to_finalizing(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency)
    response = client.get(confirm_url(letter_id))
    assert response.headers["Location"].endswith(finalize_url(letter_id))
    past = ready_letter(app, agency, send_date=date(2021, 6, 9))
    response = client.get(confirm_url(past))
    assert response.headers["Location"].endswith(finalize_url(past))
    assert "La date d'envoi choisie (09/06/2021) est passée" in text(client.get(finalize_url(past)))


# --- what remains, walls ------------------------------------------------------------------------


def test_what_remains_blocks_finalizing(app, agency, client, at, csrf_token):
    at(2021, 6, 10, 9, 0)
    letter_id = new_letter(app, agency)  # the mandate side not settled
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        assert finalizing.remaining(letter)
    page = text(client.get(finalize_url(letter_id)))
    assert "Pour pouvoir envoyer cette lettre vous n'avez plus qu'à :" in page
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "15/06/2021", "action": "send"},
        csrf_token,
    )
    assert response.status_code == 400
    assert "terminez d'abord ce qui reste à faire" in text(response)
    assert 'value="2021-06-15"' in response.get_data(as_text=True)  # nothing typed is lost
    assert stored(app, agency, letter_id).send_date is None
    response = client.get(confirm_url(letter_id))
    assert response.headers["Location"].endswith(finalize_url(letter_id))


def test_a_validated_letter_is_not_finalized_again(app, agency, client, at, csrf_token):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency, state="validated", send_date=date(2021, 6, 12))
    page = text(client.get(finalize_url(letter_id)))
    assert "Cette lettre est validée" in page and "Envoyer le" not in page
    response = post(
        client,
        finalize_url(letter_id),
        {"send_type": "lr", "send_date": "15/06/2021", "action": "send"},
        csrf_token,
    )
    assert response.status_code == 400
    assert stored(app, agency, letter_id).send_date == date(2021, 6, 12)
    response = client.get(confirm_url(letter_id))
    assert response.status_code == 302


def test_another_accounts_letter_is_a_404(app, agency, client, make_account, logged_in):
    other = make_account("resilimo", "autre@agence.fr")
    letter_id = ready_letter(app, other)
    assert client.get(finalize_url(letter_id)).status_code == 404
    assert client.get(confirm_url(letter_id)).status_code == 404
    assert logged_in(other).get(finalize_url(letter_id)).status_code == 200


def test_the_panel_says_what_remains_or_offers_to_finalize(app, agency, at):
    at(2021, 6, 10, 9, 0)
    waiting = new_letter(app, agency)
    ready = ready_letter(app, agency)
    confirmed = ready_letter(
        app, agency, send_date=date(2021, 6, 12), dates_confirmed_at=clock.now()
    )
    from flask import render_template_string

    from portal.core.tenants import tenant_directory as directory

    def panel(letter_id):
        with app.test_request_context(base_url="http://resilimo.localhost"):
            from flask import g

            g.tenant = directory().by_id(agency.tenant_id)
            with tenant_scope(agency.tenant_id):
                letter = db.session.get(Letter, letter_id)
                html = render_template_string(
                    '{% include "resiliation/finalize/_panel.html" %}', letter=letter
                )
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")

    assert "Pour pouvoir envoyer cette lettre vous n'avez plus qu'à :" in panel(waiting)
    assert "Vous n'avez plus qu'à Finaliser l'envoi" in panel(ready)
    shown = panel(confirmed)
    assert "Dates confirmées" in shown and "12/06/2021" in shown
    assert "prête à être validée" in shown


def test_letters_of_the_kit_are_stored(app, agency):
    letter_id = ready_letter(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert db.session.scalar(select(Letter.id).where(Letter.id == letter_id)) == letter_id


def test_the_pages_open_in_english(app, agency, client, at):
    at(2021, 6, 10, 9, 0)
    letter_id = ready_letter(app, agency, send_date=date(2021, 6, 12))
    assert client.get(finalize_url(letter_id) + "?lang=en").status_code == 200
    assert client.get(confirm_url(letter_id) + "?lang=en").status_code == 200
