"""« Demander un accompagnement initial » (JRMC FAQ): an agent books one free slot of 20 or 30
minutes, by phone or video, gets a confirmation email with a calendar file, and cancels until
24 hours before."""

from __future__ import annotations

import dataclasses
import re
import threading
from datetime import timedelta

import pytest
from obkit import (
    HELP,
    INDEX,
    book_url,
    bookings,
    calendar_part,
    cancel_url,
    create_account,
    csrf_token,
    emails,
    ics_url,
    invitation_and_cancellation,
    location,
    logged_in,
    paris,
    post_form,
    publish,
    shift_clock,
    text_of,
)

from portal.core.tenants import tenant_scope
from portal.extensions import db


def flat(response) -> str:
    """The page's text without its tags, blanks collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def test_an_agent_books_a_phone_slot_from_aide(app, tenant_ids, agent, agent_client, staff):
    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(3, 10, 0), duration=30)
    help_page = text_of(agent_client.get(HELP))
    assert 'href="/aide/accompagnement/"' in help_page

    page = agent_client.get(INDEX)
    assert page.status_code == 200
    text = flat(page)
    assert "Cet accompagnement dure une vingtaine de minutes (au maximum 30 minutes)" in text
    assert "1 créneau disponible. Les heures indiquées sont celles de Paris." in text
    day = paris(3).strftime("%d").lstrip("0")
    assert f"{day} " in text and "10:00 30 minutes · Par téléphone" in text
    assert f'href="{book_url(slot)}"' in text_of(page)

    form = text_of(agent_client.get(book_url(slot)))
    assert 'value="04 76 00 00 00"' in form  # the account's number, as the agent reads it
    assert "jean@agence-fournier.fr" in form
    response = post_form(
        agent_client,
        book_url(slot),
        {"phone": "06 12 34 56 78", "topics": "Le premier envoi d'une lettre"},
    )
    assert response.status_code == 302 and location(response).endswith(INDEX)
    [booking] = bookings(app, resilimo)
    assert booking["slot_id"] == slot and booking["active"]
    assert booking["phone"] == "+33612345678" and booking["email"] == "jean@agence-fournier.fr"
    assert booking["topics"] == "Le premier envoi d'une lettre"

    page = flat(agent_client.get(INDEX))
    assert "est confirmé. Un e-mail de confirmation" in page
    assert "Votre rendez-vous" in page and "06 12 34 56 78" in page
    assert "Annuler ce rendez-vous" in page
    assert "Choisissez un créneau" not in page  # one meeting at a time
    assert "Votre rendez-vous :" in flat(agent_client.get(HELP))

    [sent] = emails(app, resilimo)
    assert sent["To"] == "jean@agence-fournier.fr"
    assert sent["Subject"] == "Votre rendez-vous d'accompagnement est confirmé"
    body = sent.get_body(("plain",)).get_content()
    assert "pour 30 minutes (par téléphone)" in body
    assert "vous appelle au 06 12 34 56 78" in body
    part = calendar_part(sent)
    assert part is not None and part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"


def test_a_video_slot_asks_no_phone_and_gives_the_link(app, tenant_ids, agent, agent_client, staff):
    resilimo = tenant_ids["resilimo"]
    url = "https://visio.resilimo.test/salle-42"
    [slot] = publish(app, resilimo, staff, paris(2, 14, 30), channel="video", video_url=url)
    form = text_of(agent_client.get(book_url(slot)))
    assert 'name="phone"' not in form and "En visioconférence" in form
    assert post_form(agent_client, book_url(slot), {}).status_code == 302
    assert bookings(app, resilimo)[0]["phone"] is None
    assert f'href="{url}"' in text_of(agent_client.get(INDEX))
    body = emails(app, resilimo)[0].get_body(("plain",)).get_content()
    assert f"rejoignez la visioconférence : {url}" in body


def test_a_phone_slot_needs_a_valid_number(app, tenant_ids, agent, agent_client, staff):
    [slot] = publish(app, tenant_ids["resilimo"], staff, paris(2))
    response = post_form(agent_client, book_url(slot), {"phone": ""})
    assert response.status_code == 200
    assert re.search(
        r'id="phone-error">Indiquez le numéro auquel nous vous appellerons\.<', text_of(response)
    )
    response = post_form(agent_client, book_url(slot), {"phone": "12", "topics": "Crédits"})
    assert re.search(
        r'id="phone-error">Ce numéro de téléphone n\'est pas valide\.<', text_of(response)
    )
    assert "Crédits</textarea>" in text_of(response)  # what was typed is kept
    assert bookings(app, tenant_ids["resilimo"]) == []


def test_the_same_form_sent_twice_books_once_and_emails_once(
    app, tenant_ids, agent, agent_client, staff
):
    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(4))
    token = csrf_token(text_of(agent_client.get(book_url(slot))))
    for _ in range(2):  # a double click, or the back button and « Confirmer » again
        response = agent_client.post(
            book_url(slot), data={"csrf_token": token, "phone": "0612345678"}
        )
        assert response.status_code == 302 and location(response).endswith(INDEX)
    assert len(bookings(app, resilimo)) == 1
    assert len(emails(app, resilimo)) == 1


def test_a_slot_taken_meanwhile_is_refused_with_a_clear_message(
    app, tenant_ids, client_for, agent, agent_client, staff
):
    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(5))
    other = logged_in(client_for, create_account(app, email="claire@cabinet-martin.fr"))
    token = csrf_token(text_of(other.get(book_url(slot))))  # Claire opens the form first…
    assert post_form(agent_client, book_url(slot), {"phone": "0612345678"}).status_code == 302
    # … and confirms after Jean: refused, with a message, and the slot is no longer offered.
    response = other.post(book_url(slot), data={"csrf_token": token, "phone": "0611111111"})
    # Jean's slot is no longer Claire's to see (404), and the page says why and where to go.
    assert response.status_code == 404
    page = text_of(response)
    assert "Ce créneau vient d'être réservé par quelqu'un d'autre : choisissez-en un autre." in page
    assert 'href="/aide/accompagnement/"' in page
    assert other.get(book_url(slot)).status_code == 404
    assert f'href="{book_url(slot)}"' not in text_of(other.get(INDEX))
    assert [b["account_id"] for b in bookings(app, resilimo)] == [agent.id]
    assert len(emails(app, resilimo)) == 1


def test_the_database_books_a_slot_once_when_the_page_read_it_free(
    app, tenant_ids, client_for, agent, agent_client, staff, monkeypatch
):
    """Two confirmations at the same moment both read the slot free: the unique live booking
    lets one insert win; the other gets the message (the race, replayed deterministically)."""
    from portal.core.onboarding.models import OnboardingSlot

    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(5))
    other = logged_in(client_for, create_account(app, email="claire@cabinet-martin.fr"))
    assert post_form(agent_client, book_url(slot), {"phone": "0612345678"}).status_code == 302
    monkeypatch.setattr(OnboardingSlot, "booking", property(lambda self: None))
    response = post_form(other, book_url(slot), {"phone": "0611111111"})
    assert response.status_code == 404
    assert "Ce créneau vient d'être réservé par quelqu'un d'autre" in text_of(response)
    assert [b["account_id"] for b in bookings(app, resilimo)] == [agent.id]
    assert len(emails(app, resilimo)) == 1


@pytest.mark.postgres_only
def test_two_agents_confirming_at_once_one_wins(app, backend, tenant_ids, staff):
    """Real concurrency on PostgreSQL: two transactions insert the same live booking (SQLite
    has one writer at a time: the replayed race above covers it)."""
    if backend["database"] != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    from portal.core.accounts.models import Account, Profile
    from portal.core.onboarding import operations
    from portal.core.onboarding.models import OnboardingSlot
    from portal.core.tenants import tenant_directory

    resilimo = tenant_ids["resilimo"]
    [slot_id] = publish(app, resilimo, staff, paris(6))
    accounts = [create_account(app, email=f"agent{i}@agence.fr") for i in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def confirm(ref):
        with app.app_context(), tenant_scope(resilimo):
            tenant = tenant_directory().get(resilimo)
            slot = db.session.get(OnboardingSlot, slot_id)
            assert slot.booking is None
            barrier.wait()
            try:
                operations.book(
                    tenant,
                    db.session.get(Account, ref.id),
                    db.session.get(Profile, ref.holder_profile_id),
                    slot,
                    phone="+33612345678",
                    topics=None,
                )
                db.session.commit()
                results.append("booked")
            except operations.SlotTaken:
                db.session.rollback()
                results.append("taken")

    threads = [threading.Thread(target=confirm, args=(ref,)) for ref in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["booked", "taken"]
    assert len([b for b in bookings(app, resilimo) if b["active"]]) == 1


def test_an_agent_cancels_until_24_hours_before(
    app, tenant_ids, agent, agent_client, staff, monkeypatch
):
    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(3, 9, 0))
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    emails(app, resilimo)  # its confirmation leaves before the cancellation
    [booking] = bookings(app, resilimo)
    page = text_of(agent_client.get(cancel_url(booking["id"])))
    assert "Annuler ce rendez-vous" in page and "Garder ce rendez-vous" in page
    response = post_form(agent_client, cancel_url(booking["id"]), {}, follow_redirects=True)
    assert "est annulé. Un e-mail vous le confirme." in text_of(response)
    [booking] = bookings(app, resilimo)
    assert not booking["active"] and booking["cancelled_by"] == "agent"
    assert booking["sequence"] == 1
    # The slot is free again, and offered to everyone.
    page = flat(agent_client.get(INDEX))
    assert "1 créneau disponible" in page and "annulé" in page
    confirmed, cancelled = invitation_and_cancellation(app, resilimo)
    assert cancelled["Subject"] == "Votre rendez-vous d'accompagnement est annulé"
    assert calendar_part(cancelled).get_param("method") == "CANCEL"

    # Booked again, then too late to cancel online: 23 hours before.
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    second = bookings(app, resilimo)[-1]
    assert second["active"]
    shift_clock(monkeypatch, paris(3, 9, 0) - timedelta(hours=23) - _now())
    page = flat(agent_client.get(INDEX))
    assert "Annuler ce rendez-vous" not in page
    assert "ne peut plus être annulé en ligne moins de 24 heures avant" in page
    response = post_form(agent_client, cancel_url(second["id"]), {}, follow_redirects=True)
    assert "ne peut plus être annulé en ligne" in text_of(response)
    assert bookings(app, resilimo)[-1]["active"]


def _now():
    from portal.core.clock import now

    return now()


def test_past_and_too_close_slots_are_not_offered(
    app, tenant_ids, agent, agent_client, staff, monkeypatch
):
    resilimo = tenant_ids["resilimo"]
    [soon] = publish(app, resilimo, staff, _now() + timedelta(hours=3))
    [later] = publish(app, resilimo, staff, paris(8))
    page = text_of(agent_client.get(INDEX))
    assert f'href="{book_url(soon)}"' in page and f'href="{book_url(later)}"' in page
    token = csrf_token(text_of(agent_client.get(book_url(soon))))  # the form, opened in time…
    shift_clock(monkeypatch, timedelta(hours=2))  # 1 hour before: past the 2-hour notice
    page = text_of(agent_client.get(INDEX))
    assert f'href="{book_url(soon)}"' not in page and f'href="{book_url(later)}"' in page
    gone = "Ce créneau n'est plus disponible : choisissez-en un autre."
    assert gone in text_of(agent_client.get(book_url(soon), follow_redirects=True))
    response = agent_client.post(  # … and sent too late
        book_url(soon),
        data={"csrf_token": token, "phone": "0612345678"},
        follow_redirects=True,
    )
    assert gone in text_of(response)
    assert bookings(app, tenant_ids["resilimo"]) == []


def test_one_meeting_to_come_at_a_time(app, tenant_ids, agent, agent_client, staff):
    resilimo = tenant_ids["resilimo"]
    first, second = publish(app, resilimo, staff, paris(3), count=2)
    post_form(agent_client, book_url(first), {"phone": "0612345678"})
    response = agent_client.get(book_url(second), follow_redirects=True)
    assert "Vous avez déjà un rendez-vous d'accompagnement à venir" in text_of(response)
    assert len(bookings(app, resilimo)) == 1


def test_another_accounts_booking_and_another_tenants_slot_are_404(
    app, tenant_ids, client_for, agent, agent_client, staff
):
    resilimo, horizon = tenant_ids["resilimo"], tenant_ids["horizon"]
    [slot] = publish(app, resilimo, staff, paris(3))
    [horizon_slot] = publish(app, horizon, staff, paris(3, 11))
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    [booking] = bookings(app, resilimo)

    colleague = logged_in(client_for, create_account(app, email="claire@cabinet-martin.fr"))
    assert colleague.get(cancel_url(booking["id"])).status_code == 404
    assert colleague.post(cancel_url(booking["id"])).status_code in (400, 404)
    assert colleague.get(ics_url(booking["id"])).status_code == 404

    # Horizon's slot from resilimo; resilimo's booking from horizon.
    assert agent_client.get(book_url(horizon_slot)).status_code == 404
    seller = logged_in(
        client_for,
        create_account(app, slug="horizon", email="paul@horizon.test", kind="sales_agent"),
    )
    assert seller.get(book_url(slot)).status_code == 404
    assert seller.get(ics_url(booking["id"])).status_code == 404
    assert seller.get(book_url(horizon_slot)).status_code == 200


def test_members_of_a_fund_are_not_offered_onboarding(app, client_for):
    member = create_account(app, slug="msr", email="claire@example.fr", kind="member")
    client = logged_in(client_for, member)
    assert client.get(INDEX).status_code == 404


def test_a_tenant_with_onboarding_off_offers_none(
    app, tenant_ids, agent, agent_client, staff, monkeypatch
):
    from portal.core.onboarding.settings import OnboardingSettings
    from portal.core.tenants.resolver import TenantDirectory

    [slot] = publish(app, tenant_ids["resilimo"], staff, paris(3))
    real = TenantDirectory.for_host

    def without_onboarding(self, host):
        tenant = real(self, host)
        if tenant is None:
            return None
        config = tenant.config.model_copy(update={"onboarding": OnboardingSettings()})
        return dataclasses.replace(tenant, config=config)

    monkeypatch.setattr(TenantDirectory, "for_host", without_onboarding)
    assert agent_client.get(INDEX).status_code == 404
    assert agent_client.get(book_url(slot)).status_code == 404
    page = text_of(agent_client.get(HELP))
    assert "Demande d'aide" in page and "accompagnement initial" not in page


def test_a_sales_agent_of_horizon_is_offered_onboarding(app, tenant_ids, client_for, staff):
    [slot] = publish(app, tenant_ids["horizon"], staff, paris(3))
    seller = logged_in(
        client_for,
        create_account(app, slug="horizon", email="paul@horizon.test", kind="sales_agent"),
    )
    # horizon speaks English first
    assert "Request an onboarding session" in text_of(seller.get(HELP))
    assert f'href="{book_url(slot)}"' in text_of(seller.get(INDEX))


def test_an_anonymous_visitor_is_sent_to_the_login(client_for):
    response = client_for("resilimo").get(INDEX)
    assert response.status_code == 302 and "/connexion" in location(response)
