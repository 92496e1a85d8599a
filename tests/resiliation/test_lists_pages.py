"""The follow-up lists (SPEC §4, manual §6): all letters, to finish, scheduled, sent, the trash;
10 a page; each filter; only the account's letters; « Mettre à la corbeille » (not for a billed
letter) and « Restaurer »; the dashboard card."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from letterkit import make_insurer, make_letter
from sqlalchemy import select

from plugins.resiliation.models import Letter, LetterState
from plugins.resiliation.rules import ContractType
from portal.core import clock
from portal.core.accounts.models import Profile
from portal.core.sendings import Channel, SendingState
from portal.core.sendings.models import Sending
from portal.core.tenants import tenant_scope
from portal.extensions import db


def text(response) -> str:
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def table(response) -> str:
    """The text of the list's table only (tabs, filters and drafts left out)."""
    page = response.get_data(as_text=True)
    found = re.search(r"<tbody>.*?</tbody>", page, re.S)
    return text_of(found.group(0)) if found else ""


def text_of(fragment: str) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " "))


def listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-letter="(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-lists@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def with_sending(app, account, letter_id, *, letter_state, sending_state, **columns) -> None:
    """Give a letter a charged sending in ``sending_state`` (as validation would have)."""
    with app.app_context(), tenant_scope(account.tenant_id):
        letter = db.session.get(Letter, letter_id)
        sending = Sending(
            reference=f"S-{uuid.uuid4().hex[:10]}",
            delivery_id=uuid.uuid4().hex,
            account_id=account.id,
            profile_id=account.holder_profile_id,
            owner="resiliation",
            subject_type="Letter",
            subject_id=letter.id,
            title="Résiliation",
            channel=Channel.LRE,
            state=sending_state,
            charged=True,
            price_cents=378,
            validated_at=datetime.now(UTC),
            **columns,
        )
        db.session.add(sending)
        db.session.flush()
        letter.sending_id = sending.id
        letter.state = letter_state
        letter.validated_at = datetime.now(UTC)
        db.session.commit()


def column(app, account, letter_id, name):
    with app.app_context(), tenant_scope(account.tenant_id):
        return getattr(db.session.get(Letter, letter_id), name)


def test_each_list_shows_its_letters(app, client, agent):
    draft = make_letter(app, agent, last_name="Brouillon")
    scheduled = make_letter(app, agent, last_name="Programme")
    with_sending(
        app,
        agent,
        scheduled,
        letter_state=LetterState.VALIDATED,
        sending_state=SendingState.SCHEDULED,
        due_at=datetime.now(UTC) + timedelta(days=3),
    )
    sent = make_letter(app, agent, last_name="Envoye")
    with_sending(
        app,
        agent,
        sent,
        letter_state=LetterState.SENT,
        sending_state=SendingState.HANDED_OVER,
        handed_over_at=datetime(2026, 3, 2, 14, 5, tzinfo=UTC),
    )
    everything = client.get("/resiliation/")
    assert listed(everything) == [sent, scheduled, draft]  # newest first
    shown = text(everything)
    assert "Toutes les lettres (3)" in shown and "Lettres à terminer (1)" in shown
    assert "Lettres programmées (1)" in shown and "Lettres envoyées (1)" in shown
    rows = table(everything)
    assert "Complémentaire Santé : 1234" in rows
    assert "02/03/2026 15:05" in rows  # sent on, Paris time
    assert "Lettre en création" in rows and "Lettre complète (LRAR)" in rows
    assert listed(client.get("/resiliation/courriers/a-terminer")) == [draft]
    assert listed(client.get("/resiliation/courriers/programmes")) == [scheduled]
    assert listed(client.get("/resiliation/courriers/envoyes")) == [sent]
    assert listed(client.get("/resiliation/courriers/corbeille")) == []
    assert client.get("/resiliation/courriers/autre").status_code == 404


def test_a_letter_number_opens_the_letter_and_new_termination_is_offered(app, client, agent):
    letter_id = make_letter(app, agent)
    page = client.get("/resiliation/").get_data(as_text=True)
    assert f'href="/resiliation/lettres/{letter_id}"' in page
    assert f'action="/resiliation/lettres/{letter_id}/nouvelle-resiliation"' in page


def test_ten_letters_a_page_and_the_filters_are_kept_from_page_to_page(app, client, agent):
    ids = [make_letter(app, agent, last_name=f"Nom{n:02d}") for n in range(12)]
    first = client.get("/resiliation/")
    assert listed(first) == ids[::-1][:10]
    assert "Lettres 1 à 10 sur 12" in text(first)
    second = client.get("/resiliation/?page=2")
    assert listed(second) == ids[1::-1]
    assert listed(client.get("/resiliation/?page=99")) == ids[1::-1]  # the last page
    filtered = client.get("/resiliation/?souscripteur=nom&page=1")
    assert "souscripteur=nom" in filtered.get_data(as_text=True).split("Page suivante")[0][-300:]


def test_each_filter(app, client, agent, make_profile):
    other_insurer = make_insurer(app, agent.tenant_id, name="AXA France IARD")
    colleague = make_profile(agent)
    a = make_letter(
        app,
        agent,
        last_name="Martin",
        first_name="Claire",
        contracts=[{"contract_type": ContractType.AUTO, "reference": "AB-778"}],
    )
    b = make_letter(app, agent, last_name="Durand", insurer_id=other_insurer)
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.get(Letter, b).managed_by_id = colleague
        db.session.get(Profile, colleague).active = False  # an inactive profile still filters
        number = db.session.get(Letter, a).reference
        db.session.commit()
    assert listed(client.get(f"/resiliation/?numero={number[-6:].lower()}")) == [a]
    assert listed(client.get("/resiliation/?souscripteur=claire+martin")) == [a]
    assert listed(client.get("/resiliation/?souscripteur=durand")) == [b]
    assert listed(client.get("/resiliation/?contrat=ab-77")) == [a]
    assert listed(client.get("/resiliation/?destinataire=axa")) == [b]
    assert listed(client.get(f"/resiliation/?collaborateur={colleague}")) == [b]
    assert listed(client.get("/resiliation/?souscripteur=%25")) == []  # a wildcard is text
    page = client.get("/resiliation/?souscripteur=zzz")
    assert "Aucune lettre ne correspond à ces filtres." in text(page)
    assert 'value="zzz"' in page.get_data(as_text=True)  # what was typed stays
    assert "(désactivé)" in text(page)


def test_another_accounts_letters_are_never_listed_nor_acted_on(
    app, client, agent, make_account, logged_in
):
    mine = make_letter(app, agent)
    other = make_account("resilimo", email="other-lists@agence.fr")
    theirs = make_letter(app, other, last_name="Voisin")
    assert listed(client.get("/resiliation/")) == [mine]
    assert "Voisin" not in text(client.get("/resiliation/?souscripteur=voisin"))
    assert client.get(f"/resiliation/lettres/{theirs}/corbeille").status_code == 404
    assert client.post(f"/resiliation/lettres/{theirs}/restaurer").status_code in (400, 404)
    assert column(app, other, theirs, "trashed_at") is None
    # another account's collaborator id is ignored, not a way in
    other_client = logged_in(other)
    assert listed(other_client.get(f"/resiliation/?collaborateur={agent.holder_profile_id}")) == [
        theirs
    ]


def test_trash_hides_and_restore_brings_back(app, client, agent, post_form):
    letter_id = make_letter(app, agent, last_name="Corbeille")
    confirm = client.get(f"/resiliation/lettres/{letter_id}/corbeille")
    assert "Attention : cette action n'annule pas l'envoi." in text(confirm)
    done = post_form(client, f"/resiliation/lettres/{letter_id}/corbeille", {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/resiliation/")
    assert column(app, agent, letter_id, "trashed_at") is not None
    assert listed(client.get("/resiliation/")) == []
    trash = client.get("/resiliation/courriers/corbeille")
    assert listed(trash) == [letter_id] and "Restaurer" in text(trash)
    restored = post_form(
        client,
        "/resiliation/courriers/corbeille",
        {},
        action=f"/resiliation/lettres/{letter_id}/restaurer",
    )
    assert restored.headers["Location"].endswith("/resiliation/courriers/corbeille")
    assert listed(client.get("/resiliation/")) == [letter_id]
    assert column(app, agent, letter_id, "trashed_at") is None


@pytest.mark.parametrize(
    ("letter_state", "sending_state"),
    [
        (LetterState.VALIDATED, SendingState.SCHEDULED),
        (LetterState.CANCELLED, SendingState.CANCELLED),
        (LetterState.SENT, SendingState.FAILED),
    ],
)
def test_a_billed_letter_cannot_be_trashed(
    app, client, agent, post_form, letter_state, sending_state
):
    letter_id = make_letter(app, agent)
    with_sending(app, agent, letter_id, letter_state=letter_state, sending_state=sending_state)
    assert "Mettre à la corbeille" not in table(client.get("/resiliation/"))
    refused = client.post(f"/resiliation/lettres/{letter_id}/corbeille", follow_redirects=False)
    assert refused.status_code in (302, 400)
    page = client.get(f"/resiliation/lettres/{letter_id}/corbeille", follow_redirects=True)
    assert "Cette lettre a été facturée (envoi programmé, annulé ou remboursé)" in text(page)
    assert column(app, agent, letter_id, "trashed_at") is None


def test_a_sent_letter_goes_to_the_trash_and_its_send_goes_on(app, client, agent, post_form):
    letter_id = make_letter(app, agent)
    with_sending(
        app,
        agent,
        letter_id,
        letter_state=LetterState.SENT,
        sending_state=SendingState.DELIVERED,
    )
    post_form(client, f"/resiliation/lettres/{letter_id}/corbeille", {})
    assert column(app, agent, letter_id, "trashed_at") is not None
    with app.app_context(), tenant_scope(agent.tenant_id):
        sending = db.session.scalar(select(Sending).where(Sending.subject_id == letter_id))
        assert sending.state == SendingState.DELIVERED


def test_the_dashboard_card_counts_and_links(app, client, agent):
    make_letter(app, agent)
    make_letter(app, agent)
    today = make_letter(app, agent)
    with_sending(
        app,
        agent,
        today,
        letter_state=LetterState.VALIDATED,
        sending_state=SendingState.SCHEDULED,
        due_at=datetime.now(UTC),
    )
    later = make_letter(app, agent)
    with_sending(
        app,
        agent,
        later,
        letter_state=LetterState.VALIDATED,
        sending_state=SendingState.SCHEDULED,
        due_at=datetime.now(UTC) + timedelta(days=5),
    )
    awaiting = make_letter(app, agent)
    with_sending(
        app,
        agent,
        awaiting,
        letter_state=LetterState.SENT,
        sending_state=SendingState.IN_PROGRESS,
    )
    done = make_letter(app, agent)
    with_sending(
        app, agent, done, letter_state=LetterState.SENT, sending_state=SendingState.DELIVERED
    )
    page = client.get("/").get_data(as_text=True)
    card = re.search(r'data-widget="resiliation.letters".*?</section>', page, re.S).group(0)
    assert re.search(r'data-count="to_finish">2<', card)
    assert re.search(r'data-count="today">1<', card)
    assert re.search(r'data-count="awaiting">1<', card)
    assert 'href="/resiliation/courriers/a-terminer"' in card
    assert 'href="/resiliation/courriers/programmes"' in card
    assert 'href="/resiliation/courriers/envoyes"' in card


def test_a_scheduled_send_is_cancelled_from_the_list_until_the_eve(
    app, agent, client, post_form, monkeypatch
):
    """Through the sending part's own validation (helpers of its tests, imported by name)."""
    from sendkit import allowed, balance, ready_letter, sent_letter, validate

    from plugins.resiliation.rules import PARIS

    def at(days, hour, minute=0):
        day = datetime.now(PARIS).date() + timedelta(days=days)
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))

    at(0, 10)
    allowed(app, agent)
    sent_letter(app, agent, client)  # the account's first letter (checked by support), sent
    paid = balance(app, agent)
    letter_id = ready_letter(app, agent, days=3)
    today_id = ready_letter(app, agent, days=2)
    assert validate(client, letter_id).status_code == 302
    assert validate(client, today_id).status_code == 302
    assert balance(app, agent) == paid - 2 * 378
    scheduled = client.get("/resiliation/courriers/programmes")
    assert sorted(listed(scheduled)) == sorted([letter_id, today_id])
    assert f"/resiliation/lettres/{letter_id}/annuler-envoi" in scheduled.get_data(as_text=True)
    assert "Mettre à la corbeille" not in table(scheduled)  # billed
    back = "/resiliation/courriers/programmes"
    confirm = client.get(f"/resiliation/lettres/{letter_id}/annuler-envoi?retour={back}")
    assert "son montant recrédité" in text(confirm)

    at(2, 0, 30)  # the day ``today_id`` leaves, the eve of ``letter_id``
    page = client.get(back).get_data(as_text=True)
    assert f"/resiliation/lettres/{today_id}/annuler-envoi" not in page
    done = post_form(
        client, back, {"retour": back}, action=f"/resiliation/lettres/{letter_id}/annuler-envoi"
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(back)
    assert "est annulé ; son montant est recrédité" in text(client.get(back))
    assert column(app, agent, letter_id, "state") == LetterState.CANCELLED
    assert balance(app, agent) == paid - 378  # refunded once
    refused = post_form(
        client, back, {"retour": back}, action=f"/resiliation/lettres/{today_id}/annuler-envoi"
    )
    assert refused.status_code == 302
    assert "Il est trop tard pour annuler cet envoi" in text(client.get(back))
    assert column(app, agent, today_id, "state") == LetterState.VALIDATED
