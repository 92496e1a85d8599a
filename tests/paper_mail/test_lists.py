"""« Tous les courriers papier » (SPEC §5): the columns, each state as the agent reads it, the
tracking number linking to La Poste, 10 a page, each filter, « Effacer » a draft (asked again),
only the account's mails; the dashboard card."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask import render_template
from papermailkit import make_mail, text
from sqlalchemy import event

from plugins.paper_mail import dashboard
from plugins.paper_mail.models import MailState, PaperMail
from portal.core import clock
from portal.core.sendings import Channel, SendingState
from portal.core.sendings.models import Sending
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-paper-lists@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-mail="(\d+)"', response.get_data(as_text=True))]


def row_text(response, mail_id: int) -> str:
    page = response.get_data(as_text=True)
    found = re.search(rf'<tr data-mail="{mail_id}">.*?</tr>', page, re.S)
    assert found, f"mail {mail_id} is not listed"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def validated(app, account, mail_id, *, state, tracking_number=None, **columns) -> None:
    """Give a mail a charged paper sending, as validation (then the printer) would have."""
    with app.app_context(), tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        sending = Sending(
            reference=f"S-{uuid.uuid4().hex[:10]}",
            delivery_id=uuid.uuid4().hex,
            account_id=account.id,
            profile_id=account.holder_profile_id,
            owner="paper_mail",
            subject_type="PaperMail",
            subject_id=mail.id,
            title="Courrier papier",
            channel=Channel.PAPER,
            state=SendingState.SCHEDULED,
            charged=True,
            price_cents=250,
            validated_at=datetime.now(UTC),
            tracking_number=tracking_number,
        )
        db.session.add(sending)
        db.session.flush()
        mail.sending_id = sending.id
        mail.state = state
        mail.validated_at = datetime.now(UTC)
        for name, value in columns.items():
            setattr(mail, name, value)
        db.session.commit()


def test_the_list_shows_spec_columns_and_each_state(app, client, agent):
    draft = make_mail(
        app, agent, documents=[], recipient_name="SARL DUPOND", recipient_city="GRENOBLE"
    )
    scheduled = make_mail(
        app, agent, documents=[], recipient_name="MAIRIE DE LYON", mode="recommande_ar"
    )
    validated(app, agent, scheduled, state=MailState.SCHEDULED, send_on=date(2020, 11, 4))
    posted = make_mail(app, agent, documents=[], recipient_name="M. MARTIN", mode="lettre_suivie")
    validated(
        app,
        agent,
        posted,
        state=MailState.POSTED,
        posted_on=date(2020, 11, 5),
        tracking_number="1K00000000001",
    )
    cancelled = make_mail(app, agent, documents=[], recipient_name="SCI DES PINS")
    validated(app, agent, cancelled, state=MailState.CANCELLED)

    response = client.get("/paper-mail/")
    assert response.status_code == 200
    page = text(response)
    assert "Tous les courriers papier" in page
    assert "Nouveau courrier papier" in page
    for header in ("Expéditeur", "Destinataire", "Mode d'envoi", "Créé par", "État"):
        assert header in page
    assert "Suivi postal" in page
    assert listed(response) == [cancelled, posted, scheduled, draft]  # newest first

    assert "Création" in row_text(response, draft)
    assert "Effacer" in row_text(response, draft)
    assert "SARL DUPOND, GRENOBLE" in row_text(response, draft)
    assert "Jean Fournier" in row_text(response, draft)  # created by the holder
    assert "Lettre verte" in row_text(response, draft)
    assert "Programmé le 04/11/2020" in row_text(response, scheduled)
    assert "Recommandé avec accusé de réception" in row_text(response, scheduled)
    assert "Effacer" not in row_text(response, scheduled)
    assert "Posté le 05/11/2020" in row_text(response, posted)
    assert "Annulé" in row_text(response, cancelled)
    html = response.get_data(as_text=True)
    assert 'href="https://www.laposte.fr/outils/suivre-vos-envois?code=1K00000000001"' in html


def test_ten_a_page_and_the_filters(app, client, agent, make_profile):
    colleague = make_profile(agent, name="Léa Martin")
    ids = [make_mail(app, agent, documents=[], recipient_name=f"CLIENT {n:02d}") for n in range(11)]
    by_lea = make_mail(app, agent, documents=[], recipient_name="GARAGE BLEU")
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.get(PaperMail, by_lea).created_by_id = colleague
        db.session.commit()
    registered = make_mail(app, agent, documents=[], recipient_name="ASSUREUR", mode="recommande")
    validated(app, agent, registered, state=MailState.SCHEDULED, send_on=date(2027, 3, 10))

    first = client.get("/paper-mail/")
    assert len(listed(first)) == 10
    assert "Courriers 1 à 10 sur 13" in text(first)
    second = client.get("/paper-mail/?page=2")
    assert listed(second) == [ids[2], ids[1], ids[0]]

    assert listed(client.get("/paper-mail/?destinataire=garage")) == [by_lea]
    assert listed(client.get(f"/paper-mail/?cree_par={colleague}")) == [by_lea]
    assert listed(client.get("/paper-mail/?mode=recommande")) == [registered]
    assert listed(client.get("/paper-mail/?etat=programme")) == [registered]
    assert len(listed(client.get("/paper-mail/?etat=creation"))) == 10
    with app.app_context(), tenant_scope(agent.tenant_id):
        reference = db.session.get(PaperMail, ids[5]).reference
    assert listed(client.get(f"/paper-mail/?numero={reference.lower()}")) == [ids[5]]
    nothing = client.get("/paper-mail/?destinataire=personne")
    assert "Aucun courrier ne correspond à ces filtres." in text(nothing)


def test_a_draft_is_deleted_after_being_asked_again(app, client, agent, csrf_token):
    draft = make_mail(app, agent, documents=[], recipient_name="SARL DUPOND")
    sent = make_mail(app, agent, documents=[])
    validated(app, agent, sent, state=MailState.SCHEDULED, send_on=date(2027, 3, 10))
    token = csrf_token(client.get("/paper-mail/").get_data(as_text=True))

    asked = client.post(f"/paper-mail/courriers/{draft}/effacer", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "supprimés définitivement" in text(asked)
    assert draft in listed(client.get("/paper-mail/"))

    done = client.post(
        f"/paper-mail/courriers/{draft}/effacer",
        data={"csrf_token": token, "confirme": "1"},
        follow_redirects=True,
    )
    assert "est effacé" in text(done)
    assert listed(done) == [sent]

    refused = client.post(
        f"/paper-mail/courriers/{sent}/effacer",
        data={"csrf_token": token, "confirme": "1"},
        follow_redirects=True,
    )
    assert "Seul un courrier en création peut être effacé." in text(refused)
    assert listed(refused) == [sent]


def test_another_accounts_mail_is_neither_listed_nor_reachable(
    app, client, agent, make_account, csrf_token
):
    other = make_account("resilimo", email="autre-agence-paper@agence.fr")
    theirs = make_mail(app, other, documents=[])
    validated(app, other, theirs, state=MailState.SCHEDULED, send_on=date(2027, 3, 10))
    mine = make_mail(app, agent, documents=[])
    assert listed(client.get("/paper-mail/")) == [mine]
    assert client.get(f"/paper-mail/courriers/{theirs}").status_code == 404
    assert client.get(f"/paper-mail/courriers/{theirs}/preuves.zip").status_code == 404
    token = csrf_token(client.get("/paper-mail/").get_data(as_text=True))
    deleted = client.post(
        f"/paper-mail/courriers/{theirs}/effacer", data={"csrf_token": token, "confirme": "1"}
    )
    assert deleted.status_code == 404


def test_the_dashboard_figures(app, agent, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 3, 3, 9, 0, tzinfo=UTC))
    make_mail(app, agent, documents=[])
    make_mail(app, agent, documents=[])
    scheduled = make_mail(app, agent, documents=[])
    validated(app, agent, scheduled, state=MailState.SCHEDULED, send_on=date(2027, 3, 10))
    this_week = make_mail(app, agent, documents=[])
    validated(app, agent, this_week, state=MailState.POSTED, posted_on=date(2027, 3, 1))
    last_week = make_mail(app, agent, documents=[])
    validated(app, agent, last_week, state=MailState.POSTED, posted_on=date(2027, 2, 26))
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert dashboard.figures(agent.id) == {
            "drafts": 2,
            "scheduled": 1,
            "posted_this_week": 1,
        }
    site = app.test_request_context(base_url="http://resilimo.localhost/")
    with site, tenant_scope(agent.tenant_id):
        (card,) = dashboard.widgets(None, SimpleNamespace(id=agent.id), object())
        shown = render_template(card.template, widget=card)
    assert "2 courriers à terminer" in re.sub(r"<[^>]+>", "", shown)
    assert "1 courrier posté cette semaine" in re.sub(r"<[^>]+>", "", shown)
    assert "/paper-mail/?etat=creation" in shown


def test_a_page_costs_the_same_queries_whatever_its_rows(app, client, agent):
    def queries(url: str) -> int:
        """The page's queries of mails, sendings and profiles (the layout's own left out)."""
        seen = []
        with app.app_context():
            engine = db.engine

        def count(_conn, _cursor, statement, *_args):
            if re.search(r"\b(paper_mail_mail|sending|sending_event|account_profile)\b", statement):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for n in range(2):
        mail = make_mail(app, agent, documents=[], recipient_name=f"CLIENT {n}")
        validated(app, agent, mail, state=MailState.POSTED, posted_on=date(2027, 3, 1))
    client.get("/paper-mail/")  # the session's first page warms what it caches
    few = queries("/paper-mail/")
    assert few > 0
    for n in range(8):
        mail = make_mail(app, agent, documents=[], recipient_name=f"AUTRE {n}")
        validated(app, agent, mail, state=MailState.POSTED, posted_on=date(2027, 3, 1))
    assert queries("/paper-mail/") == few
