"""The operators' pages of the termination letters (issue 16, point 8): a tenant's letters with
their sendings, a letter's page, the stuck letters and the first-letter check.

Letters are written with the kit; their sendings are made and validated through the core's own
API (charged, held, due), so the rows are those the sending part leaves."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from letterkit import make_letter
from sqlalchemy import select
from webkit import PDF_BYTES

from plugins.resiliation import pricing
from plugins.resiliation.models import Letter, LetterState, MandateKind, Review
from portal.core import audit, clock, sendings
from portal.core.accounts.models import Account, Profile
from portal.core.backoffice.models import StaffRole
from portal.core.credits.ledger import adjust
from portal.core.sendings.models import Sending, SendingEvent, SendingStateReached
from portal.core.sendings.operators.base import SendingState
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

BASE = "/backoffice/t/resilimo/resiliation"
# A Monday 10:00 in Paris.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def text(response) -> str:
    """The page's text, tags removed and spaces (no-break ones included) made plain."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", html)
    plain = plain.replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def listed(page: str) -> list[str]:
    return re.findall(r'data-letter="(RES-[A-Z0-9]+)"', page)


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: the portal's clock reads ``moment`` from now on (NOW to begin)."""

    def move(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    move(NOW)
    return move


@pytest.fixture
def agency(app, make_account):
    account = make_account("resilimo", f"bo-{uuid.uuid4().hex[:8]}@agence.fr")
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            10_000,
            reason="crédit de test",
            idempotency_key=f"test-bo-{account.id}",
            actor_label="test",
        )
        db.session.commit()
    return account


def reference_of(app, account, letter_id: int) -> str:
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Letter, letter_id).reference


def validated(app, account, letter_id: int, *, due_at=None, held_for=None, review=False) -> int:
    """The letter validated as the sending part does it: its core sending created and validated
    (charged), due at ``due_at`` (now by default), held if told; the sending's id."""
    with app.app_context(), tenant_scope(account.tenant_id):
        letter = db.session.get(Letter, letter_id)
        tenant = tenant_directory().get(account.tenant_id)
        sending = sendings.create_sending(
            account=db.session.get(Account, account.id),
            profile=db.session.get(Profile, account.holder_profile_id),
            owner="resiliation",
            channel=sendings.Channel.LRE,
            title=f"Résiliation {letter.subscriber_name}",
            documents=[sendings.NewDocument("lettre.pdf", PDF_BYTES)],
            sender=sendings.Party("Agence Fournier", email="contact@agence.fr"),
            recipient=sendings.Party(letter.recipient_name, email=letter.recipient_email),
            options={"qualified": False},
            price_lines=[sendings.PriceLine.from_item(pricing.letter_price(letter, tenant))],
            subject=letter,
            held_for=held_for,
        )
        sendings.validate_sending(sending, due_at=due_at or clock.now())
        letter.state = LetterState.VALIDATED
        letter.validated_at = clock.now()
        letter.sending_id = sending.id
        letter.review = Review.PENDING if review else Review.NONE
        db.session.commit()
        return sending.id


def handed_over(app, account, sending_id: int, when: datetime) -> None:
    """The operator took the sending at ``when`` and said nothing since."""
    with app.app_context(), tenant_scope(account.tenant_id):
        sending = db.session.get(Sending, sending_id)
        sending.state = SendingState.HANDED_OVER
        sending.handed_over_at = when
        sending.operator = "sandbox"
        sending.operator_ref = f"LRE-{sending_id}"
        db.session.add(
            SendingEvent(
                sending_id=sending.id,
                at=when,
                recorded_at=when,
                state=SendingState.HANDED_OVER,
                source="portal",
            )
        )
        db.session.commit()


# --- access -------------------------------------------------------------------------------------


def test_staff_only_and_tenants_are_walls(
    app, at, agency, staff_client, backoffice, client_for, make_account
):
    letter_id = make_letter(app, agency)
    stranger = make_account("msr", f"bo-msr-{uuid.uuid4().hex[:6]}@agence.fr")
    elsewhere = make_letter(app, stranger)
    client, _ = staff_client(StaffRole.SUPPORT)
    pages = [
        f"{BASE}/lettres",
        f"{BASE}/lettres/bloquees",
        f"{BASE}/premieres-lettres",
        f"{BASE}/lettres/{letter_id}",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # The menu leads to the tenants that enable the plugin.
    menu = client.get("/backoffice/tableau-de-bord").text
    assert "Lettres de résiliation" in menu
    # Another tenant's letter through this tenant's pages, or the plugin's pages of a tenant
    # where it is off: 404.
    assert client.get(f"{BASE}/lettres/{elsewhere}").status_code == 404
    assert client.get("/backoffice/t/msr/resiliation/lettres").status_code == 404
    assert client.get(f"/backoffice/t/msr/resiliation/lettres/{elsewhere}").status_code == 404
    # Nobody logged in: to the login page; on a tenant's host the pages do not exist.
    anonymous = backoffice()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/backoffice/connexion" in response.location
        assert client_for("resilimo").get(url).status_code == 404


# --- the list -----------------------------------------------------------------------------------


def test_the_list_searches_by_number_subscriber_and_account_and_filters_by_state(
    app, at, agency, make_account, staff_client
):
    draft = make_letter(app, agency, last_name="Lefebvre", first_name="Anne")
    sent = make_letter(app, agency, last_name="Garnier", first_name="Paul")
    sending_id = validated(app, agency, sent)
    other = make_account("resilimo", f"bo-autre-{uuid.uuid4().hex[:6]}@cabinet.fr")
    theirs = make_letter(app, other, last_name="Roux")
    refs = {
        key: reference_of(app, acc, key)
        for key, acc in ((draft, agency), (sent, agency), (theirs, other))
    }
    client, _ = staff_client(StaffRole.SUPPORT)

    everything = client.get(f"{BASE}/lettres").get_data(as_text=True)
    assert set(refs.values()) <= set(listed(everything))

    by_number = client.get(f"{BASE}/lettres?q={refs[sent].lower()}").get_data(as_text=True)
    assert listed(by_number) == [refs[sent]]
    by_subscriber = client.get(f"{BASE}/lettres?q=lefeb").get_data(as_text=True)
    assert refs[draft] in listed(by_subscriber) and refs[sent] not in listed(by_subscriber)
    by_account = client.get(f"{BASE}/lettres?q={other.email}").get_data(as_text=True)
    assert listed(by_account) == [refs[theirs]]

    validated_only = client.get(f"{BASE}/lettres?state=validated")
    assert refs[sent] in listed(validated_only.get_data(as_text=True))
    assert refs[draft] not in listed(validated_only.get_data(as_text=True))
    drafts = client.get(f"{BASE}/lettres?state=draft").get_data(as_text=True)
    assert refs[draft] in listed(drafts) and refs[sent] not in listed(drafts)

    # Each letter with its account, state, tracking and sendings (to the core's sending page).
    with app.app_context(), tenant_scope(agency.tenant_id):
        sending_ref = db.session.get(Sending, sending_id).reference
    page = client.get(f"{BASE}/lettres?q={refs[sent]}")
    body = page.get_data(as_text=True)
    assert f'href="/backoffice/envois/{sending_id}"' in body
    shown = text(page)
    assert sending_ref in shown and agency.email in shown and "Garnier Paul" in shown
    assert "Validée (débitée)" in shown
    # By the sending's reference too.
    assert listed(client.get(f"{BASE}/lettres?q={sending_ref}").get_data(as_text=True)) == [
        refs[sent]
    ]
    nothing = client.get(f"{BASE}/lettres?q=zzzz-introuvable")
    assert "Aucune lettre ne correspond à cette recherche." in text(nothing)


def test_the_list_is_paginated(app, at, agency, staff_client):
    for _ in range(51):
        make_letter(app, agency, last_name="Paginé")
    client, _ = staff_client(StaffRole.SUPPORT)
    first = client.get(f"{BASE}/lettres?q=pagin")
    assert len(listed(first.get_data(as_text=True))) == 50
    assert "Page 1 sur 2 (51 résultats)" in text(first)
    second = client.get(f"{BASE}/lettres?q=pagin&page=2")
    assert len(listed(second.get_data(as_text=True))) == 1


# --- a letter -----------------------------------------------------------------------------------


def test_a_letters_page_answers_a_help_request(app, at, agency, staff_client):
    letter_id = make_letter(
        app,
        agency,
        last_name="Martin",
        first_name="Claire",
        former_manager_email="ancien@courtier.example",
    )
    sending_id = validated(app, agency, letter_id)
    handed_over(app, agency, sending_id, NOW)
    with app.app_context(), tenant_scope(agency.tenant_id):
        # The core emailed the profile that the letter left; the events part the subscriber.
        db.session.add(
            SendingStateReached(
                sending_id=sending_id, state=SendingState.HANDED_OVER, delivered_at=NOW
            )
        )
        db.session.add(
            SendingEvent(
                sending_id=sending_id,
                at=NOW,
                recorded_at=NOW,
                state=SendingState.HANDED_OVER,
                source="portal",
                code="resiliation-mail-subscriber_deposit",
                event_id="resiliation-mail-subscriber_deposit",
                detail="jean.dupont@example.org",
            )
        )
        letter = db.session.get(Letter, letter_id)
        letter.state = LetterState.SENT
        reference = letter.reference
        price = pricing.letter_price(letter, tenant_directory().get(agency.tenant_id))
        sending_ref = db.session.get(Sending, sending_id).reference
        db.session.commit()
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(f"{BASE}/lettres/{letter_id}")
    shown = text(page)
    assert f"Lettre {reference}" in shown
    # Subscriber, recipient, contract, account, dates, mandate, price.
    for expected in (
        "Martin Claire",
        "jean.dupont@example.org",
        "MAAF Assurances",
        "resiliation@maaf.example",
        "ancien@courtier.example",
        "1234",
        "Complémentaire Santé",
        agency.email,
        "Validée le",
        "Pas encore choisi",
        "Envoyée",
    ):
        assert expected in shown, expected
    assert f"{price.price_cents // 100},{price.price_cents % 100:02d}" in shown
    # Its sending, state and timeline link (the core's sending page).
    assert sending_ref in shown and "Remis à l'opérateur" in shown
    assert f'href="/backoffice/envois/{sending_id}#timeline-title"' in page.get_data(as_text=True)
    # The emails sent about it.
    assert "Avis à l'utilisateur : Lettre partie" in shown
    assert "Au souscripteur : copie de la lettre et avis de dépôt" in shown


# --- stuck letters ------------------------------------------------------------------------------


def test_stuck_letters_each_with_what_to_do(app, at, agency, staff_client):
    quiet = make_letter(app, agency, last_name="Silence")
    quiet_sending = validated(app, agency, quiet)
    handed_over(app, agency, quiet_sending, NOW - timedelta(days=3))
    fresh = make_letter(app, agency, last_name="Récent")
    handed_over(app, agency, validated(app, agency, fresh), NOW - timedelta(hours=2))
    # A first letter due yesterday, never checked: it missed its day.
    late_review = make_letter(app, agency, last_name="Oubli")
    with_review = validated(
        app, agency, late_review, due_at=NOW - timedelta(days=1), held_for="review", review=True
    )
    # An e-signed mandate never signed, its send day gone: the 20:00 check should have cancelled it.
    unsigned = make_letter(
        app, agency, last_name="Sansignature", mandate_kind=MandateKind.ELECTRONIC
    )
    validated(app, agency, unsigned, due_at=NOW - timedelta(days=1), held_for="mandate_signature")
    # Due today and checked before 20:00: not stuck yet.
    today_review = make_letter(app, agency, last_name="Aujourdhui")
    validated(app, agency, today_review, held_for="review", review=True)
    # Validated with no sending at all.
    orphan = make_letter(app, agency, last_name="Orphelin")
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, orphan)
        letter.state = LetterState.VALIDATED
        letter.validated_at = NOW - timedelta(hours=1)
        db.session.commit()
    refs = {
        key: reference_of(app, agency, key)
        for key in (quiet, fresh, late_review, today_review, orphan, unsigned)
    }

    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(f"{BASE}/lettres/bloquees")
    body = page.get_data(as_text=True)
    kinds = dict(re.findall(r'data-letter="(RES-[A-Z0-9]+)" data-stuck="(\w+)"', body))
    assert kinds[refs[quiet]] == "operator_quiet"
    assert kinds[refs[late_review]] == "review_late"
    assert kinds[refs[orphan]] == "no_sending"
    assert kinds[refs[unsigned]] == "signature_late"
    assert refs[fresh] not in kinds and refs[today_review] not in kinds
    shown = text(page)
    assert "L'opérateur n'en dit plus rien" in shown
    assert "Première lettre non vérifiée le jour de l'envoi" in shown
    assert "Validée sans envoi" in shown
    assert "Mandat non signé, délai dépassé" in shown
    # A support operator is sent to the sending's page; an admin reconciles from here.
    assert f'href="/backoffice/envois/{quiet_sending}"' in body
    assert f"/backoffice/envois/{quiet_sending}/rapprocher" not in body
    admin, _ = staff_client(StaffRole.ADMIN)
    assert f"/backoffice/envois/{quiet_sending}/rapprocher" in admin.get(
        f"{BASE}/lettres/bloquees"
    ).get_data(as_text=True)
    # The letter's page says it too; the list counts them.
    held_page = text(client.get(f"{BASE}/lettres/{late_review}"))
    assert "Lettre bloquée" in held_page
    assert "retenu : vérification de la première lettre" in held_page
    assert "4 lettres bloquées" in text(client.get(f"{BASE}/lettres"))
    assert with_review


# --- the first-letter check ---------------------------------------------------------------------


def test_pending_first_letters_oldest_first_with_the_cut_off(app, at, agency, staff_client):
    older = make_letter(app, agency, last_name="Premier")
    at(NOW - timedelta(hours=2))
    validated(app, agency, older, held_for="review", review=True)
    newer = make_letter(app, agency, last_name="Second")
    at(NOW)
    validated(app, agency, newer, held_for="review", review=True)
    refs = [reference_of(app, agency, key) for key in (older, newer)]
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(f"{BASE}/premieres-lettres")
    order = [ref for ref in listed(page.get_data(as_text=True)) if ref in refs]
    assert order == refs
    shown = text(page)
    assert "Heure limite du jour" in shown and "18:00" in shown
    assert "avant 18:00" in shown
    # After 18:00 Paris the page says the day's cut-off has passed.
    at(datetime(2027, 3, 1, 17, 30, tzinfo=UTC))
    assert "Heure limite du jour passée" in text(client.get(f"{BASE}/premieres-lettres"))


def test_approving_a_first_letter_releases_it_once_and_is_audited(
    app, at, agency, staff_client, csrf_token
):
    from plugins.resiliation import sending as sending_part

    if not hasattr(sending_part, "approve_review"):
        pytest.skip("sending.approve_review is not there yet")
    letter_id = make_letter(app, agency, last_name="Vérifié")
    sending_id = validated(app, agency, letter_id, held_for="review", review=True)
    client, staff = staff_client(StaffRole.SUPPORT)
    page = client.get(f"{BASE}/premieres-lettres")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(f"{BASE}/lettres/{letter_id}/approuver", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/premieres-lettres")
    followed = client.get(response.location)
    reference = reference_of(app, agency, letter_id)
    assert f"Lettre {reference} approuvée" in text(followed)
    assert reference not in listed(followed.get_data(as_text=True))
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        assert letter.review == Review.APPROVED
        assert staff.email in letter.reviewed_by
        assert db.session.get(Sending, sending_id).held_for is None
        entries = db.session.scalars(
            select(audit.AuditEntry).where(
                audit.AuditEntry.action == "resiliation.review_approved",
                audit.AuditEntry.target_id == letter_id,
            )
        ).all()
        assert len(entries) == 1 and entries[0].actor_label == staff.email
    # Twice: nothing more happens, nothing more is logged.
    again = client.post(
        f"{BASE}/lettres/{letter_id}/approuver", data={"csrf_token": token, "next": "letter"}
    )
    assert again.location.endswith(f"/lettres/{letter_id}")
    assert "Cette lettre n'attend pas de vérification." in text(client.get(again.location))
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(audit.AuditEntry)
                .where(
                    audit.AuditEntry.action == "resiliation.review_approved",
                    audit.AuditEntry.target_id == letter_id,
                )
            )
            == 1
        )
    # A post without its token changes nothing.
    other = make_letter(app, agency, last_name="Jeton")
    validated(app, agency, other, held_for="review", review=True)
    refused = client.post(f"{BASE}/lettres/{other}/approuver", data={})
    assert refused.status_code == 400
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert db.session.get(Letter, other).review == Review.PENDING


def test_a_first_letter_refused_is_cancelled_refunded_and_its_agent_told(
    app, at, agency, staff_client, csrf_token
):
    from plugins.resiliation.models import LetterState

    letter_id = make_letter(app, agency)
    validated(app, agency, letter_id, held_for="review", review=True)
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(f"{BASE}/premieres-lettres").get_data(as_text=True)
    assert f"/lettres/{letter_id}/refuser" in page
    form_url = f"{BASE}/lettres/{letter_id}/refuser"

    def token_of(client, url):
        return csrf_token(client.get(url).get_data(as_text=True))

    empty = client.post(form_url, data={"reason": "", "csrf_token": token_of(client, form_url)})
    assert "Indiquez le motif du refus." in text(empty)
    done = client.post(
        form_url,
        data={
            "reason": "Le numéro de contrat ne correspond pas à l'assureur.",
            "csrf_token": token_of(client, form_url),
        },
    )
    assert done.status_code == 302
    with app.app_context(), tenant_scope(agency.tenant_id):
        letter = db.session.get(Letter, letter_id)
        assert letter.review == Review.REFUSED and letter.state == LetterState.CANCELLED
        assert letter.sending.state == SendingState.CANCELLED
