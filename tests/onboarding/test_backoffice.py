"""The operators' « Accompagnement initial » in the back office: publish 20- or 30-minute slots
by phone or video, per tenant; see who booked what; withdraw a free slot; cancel a booking (the
agent is told by email)."""

from __future__ import annotations

import re

from obkit import (
    book_url,
    bookings,
    calendar_part,
    emails,
    invitation_and_cancellation,
    location,
    paris,
    post_form,
    publish,
    text_of,
)
from sqlalchemy import select

from portal.core.tenants import tenant_scope
from portal.extensions import db

HOME = "/backoffice/accompagnement"


def slots_url(slug: str) -> str:
    return f"/backoffice/accompagnement/{slug}"


def slots(app, tenant_id: int) -> list[dict]:
    from portal.core.onboarding.models import OnboardingSlot

    with app.app_context(), tenant_scope(tenant_id):
        return [
            {
                "id": s.id,
                "starts_at": s.starts_at,
                "minutes": s.duration_minutes,
                "channel": s.channel.value,
                "video_url": s.video_url,
            }
            for s in db.session.scalars(select(OnboardingSlot).order_by(OnboardingSlot.starts_at))
        ]


def test_the_menu_lists_the_tenants_that_offer_onboarding(staff_client):
    client, _staff = staff_client()
    dashboard = text_of(client.get("/backoffice/", follow_redirects=True))
    assert f'href="{HOME}"' in dashboard and "Accompagnement initial" in dashboard
    page = text_of(client.get(HOME))
    assert 'data-tenant="resilimo"' in page and 'data-tenant="horizon"' in page
    assert 'data-tenant="msr"' not in page  # a fund's members get no onboarding
    assert client.get(slots_url("msr")).status_code == 404
    assert client.get(slots_url("nowhere")).status_code == 404


def test_an_operator_publishes_a_morning_of_slots(app, tenant_ids, staff_client):
    client, _staff = staff_client()
    day = paris(5)
    response = post_form(
        client,
        slots_url("resilimo"),
        {
            "date": day.date().isoformat(),
            "time": "09:00",
            "duration": "30",
            "channel": "phone",
            "count": "3",
        },
    )
    assert response.status_code == 302 and location(response).endswith(slots_url("resilimo"))
    published = slots(app, tenant_ids["resilimo"])
    assert [s["minutes"] for s in published] == [30, 30, 30]
    starts = [s["starts_at"] for s in published]
    assert [(s.hour, s.minute) for s in map(_paris, starts)] == [(9, 0), (9, 30), (10, 0)]
    page = text_of(client.get(slots_url("resilimo")))
    assert "3 créneaux publiés à partir du" in page
    assert page.count('data-state="free"') == 3
    assert "Heure de Europe/Paris, celle du portail." in page


def _paris(moment):
    from datetime import UTC
    from zoneinfo import ZoneInfo

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo("Europe/Paris"))


def test_refused_slots_say_why_next_to_the_field(app, tenant_ids, staff_client):
    client, _staff = staff_client()
    past = paris(-1).date().isoformat()
    cases = [
        ({"date": "", "time": "09:00"}, "date", "Indiquez la date du créneau."),
        ({"date": past, "time": "09:00"}, "date", "Choisissez une date et une heure à venir."),
        ({"duration": "45"}, "duration", None),
        ({"channel": "video"}, "video_url", "Indiquez le lien de la visioconférence."),
        ({"channel": "video", "video_url": "http://x.example"}, "video_url", "https://"),
        ({"count": "13"}, "count", "Publiez entre 1 et 12 créneaux à la fois."),
    ]
    for changes, field, message in cases:
        data = {
            "date": paris(3).date().isoformat(),
            "time": "09:00",
            "duration": "20",
            "channel": "phone",
            "count": "1",
            **changes,
        }
        page = text_of(post_form(client, slots_url("resilimo"), data))
        error = re.search(rf'id="{field}-error">([^<]*)<', page)
        assert error, (changes, field)
        if message:
            assert message in error.group(1), (changes, error.group(1))
    assert slots(app, tenant_ids["resilimo"]) == []


def test_an_operator_cannot_overlap_their_own_slots(app, tenant_ids, staff_client):
    client, staff = staff_client()
    publish(app, tenant_ids["resilimo"], staff, paris(3, 9, 0), duration=30)
    data = {
        "date": paris(3).date().isoformat(),
        "time": "09:20",
        "duration": "20",
        "channel": "phone",
        "count": "1",
    }
    page = text_of(post_form(client, slots_url("resilimo"), data))
    assert "Vous avez déjà publié un créneau qui chevauche celui-ci." in page
    assert len(slots(app, tenant_ids["resilimo"])) == 1


def test_the_operator_sees_who_booked_and_cancels_it(
    app, tenant_ids, staff_client, agent, agent_client
):
    resilimo = tenant_ids["resilimo"]
    client, staff = staff_client()
    [slot] = publish(app, resilimo, staff, paris(3, 11, 0))
    post_form(agent_client, book_url(slot), {"phone": "0612345678", "topics": "Les crédits"})
    emails(app, resilimo)  # its confirmation leaves before the cancellation
    page = text_of(client.get(slots_url("resilimo")))
    row = re.search(rf'<tr data-slot="{slot}">(.*?)</tr>', page, re.S).group(1)
    assert 'data-state="booked"' in row and "Réservé" in row
    assert "Jean Fournier" in row and "Agence Fournier Assurances" in row
    assert "jean@agence-fournier.fr" in row and "06 12 34 56 78" in row
    assert "Les crédits" in row
    assert f'href="/backoffice/comptes/{agent.id}"' in row

    [booking] = bookings(app, resilimo)
    action = f"{slots_url('resilimo')}/rendez-vous/{booking['id']}/annuler"
    response = post_form(client, slots_url("resilimo"), {}, action=action, follow_redirects=True)
    assert "est annulé ; jean@agence-fournier.fr en est averti par e-mail" in text_of(response)
    [booking] = bookings(app, resilimo)
    assert not booking["active"] and booking["cancelled_by"] == "operator"
    _confirmed, cancelled = invitation_and_cancellation(app, resilimo)
    assert cancelled["Subject"] == "Votre rendez-vous d'accompagnement est annulé"
    assert "Notre équipe a dû annuler" in cancelled.get_body(("plain",)).get_content()
    assert calendar_part(cancelled).get_param("method") == "CANCEL"
    # The slot is free again for the agents.
    assert f'href="{book_url(slot)}"' in text_of(agent_client.get("/aide/accompagnement/"))


def test_a_free_slot_is_withdrawn_a_booked_one_is_not(
    app, tenant_ids, staff_client, agent, agent_client
):
    resilimo = tenant_ids["resilimo"]
    client, staff = staff_client()
    booked, free = publish(app, resilimo, staff, paris(3, 9, 0), count=2)
    post_form(agent_client, book_url(booked), {"phone": "0612345678"})
    base = slots_url("resilimo")
    response = post_form(
        client, base, {}, action=f"{base}/creneaux/{booked}/retirer", follow_redirects=True
    )
    assert "Ce créneau est réservé : annulez d'abord le rendez-vous." in text_of(response)
    response = post_form(
        client, base, {}, action=f"{base}/creneaux/{free}/retirer", follow_redirects=True
    )
    assert "est retiré." in text_of(response)
    assert [s["id"] for s in slots(app, resilimo)] == [booked]


def test_another_tenants_slot_and_booking_are_404(
    app, tenant_ids, staff_client, agent, agent_client
):
    resilimo = tenant_ids["resilimo"]
    client, staff = staff_client()
    [slot] = publish(app, resilimo, staff, paris(3))
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    [booking] = bookings(app, resilimo)
    other = slots_url("horizon")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text_of(client.get(other)))
    data = {"csrf_token": token.group(1)}
    assert client.post(f"{other}/creneaux/{slot}/retirer", data=data).status_code == 404
    assert client.post(f"{other}/rendez-vous/{booking['id']}/annuler", data=data).status_code == 404
    assert bookings(app, resilimo)[0]["active"] and len(slots(app, resilimo)) == 1


def test_the_pages_are_for_operators_only(client_for, agent_client, backoffice):
    assert agent_client.get(HOME).status_code == 404  # not on a tenant's host
    response = backoffice().get(HOME)
    assert response.status_code == 302 and "/backoffice/connexion" in location(response)
