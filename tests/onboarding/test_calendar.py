"""The calendar file of a booking: an invitation (METHOD:REQUEST) in the tenant's time zone with
a stable UID, then its cancellation (METHOD:CANCEL, same UID, next SEQUENCE) — read back with
``icalendar`` as a calendar application would."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from icalendar import Calendar
from obkit import (
    book_url,
    bookings,
    calendar_part,
    cancel_url,
    emails,
    ics_url,
    invitation_and_cancellation,
    paris,
    post_form,
    publish,
)


def parsed(data: bytes):
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_invitation_reads_back_in_paris_time(app, tenant_ids, agent, agent_client, staff):
    resilimo = tenant_ids["resilimo"]
    starts = paris(3, 10, 0)
    [slot] = publish(app, resilimo, staff, starts, duration=30)
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    [booking] = bookings(app, resilimo)
    [sent] = emails(app, resilimo)

    part = calendar_part(sent)
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    calendar, event = parsed(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == f"onboarding-{booking['id']}@resilimo.test"
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == starts and end - start == timedelta(minutes=30)
    assert start.tzinfo.key == "Europe/Paris"  # TZID=Europe/Paris…
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Paris"]  # … with its VTIMEZONE, for every calendar application
    assert str(event["SUMMARY"]) == "Accompagnement initial — Résilimo"
    assert str(event["LOCATION"]) == "Par téléphone, au 06 12 34 56 78"
    assert "vous appelle au 06 12 34 56 78" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert str(event["ATTENDEE"]) == "mailto:jean@agence-fournier.fr"

    # The same file from the account's page (« Ajouter à mon agenda »), byte for byte.
    download = agent_client.get(ics_url(booking["id"]))
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert download.get_data() == part.get_payload(decode=True)


def test_a_winter_slot_keeps_its_wall_clock_time(app, tenant_ids, agent, agent_client, staff):
    """The UTC offset changes with the season; the meeting stays at 10:00 in Paris."""
    resilimo = tenant_ids["resilimo"]
    starts = paris(200, 10, 0)  # the other side of a clock change
    [slot] = publish(
        app, resilimo, staff, starts, channel="video", video_url="https://visio.resilimo.test/salle"
    )
    post_form(agent_client, book_url(slot), {})
    _calendar, event = parsed(calendar_part(emails(app, resilimo)[0]).get_payload(decode=True))
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() == starts.astimezone(ZoneInfo("Europe/Paris")).utcoffset()
    assert str(event["LOCATION"]) == "https://visio.resilimo.test/salle"
    assert str(event["URL"]) == "https://visio.resilimo.test/salle"


def test_the_cancellation_has_the_same_uid_and_the_next_sequence(
    app, tenant_ids, agent, agent_client, staff
):
    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(4, 15, 0))
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    emails(app, resilimo)  # its confirmation leaves before the cancellation
    [booking] = bookings(app, resilimo)
    post_form(agent_client, cancel_url(booking["id"]), {})
    invitation, cancellation = invitation_and_cancellation(app, resilimo)
    _c1, first = parsed(calendar_part(invitation).get_payload(decode=True))
    calendar, second = parsed(calendar_part(cancellation).get_payload(decode=True))
    assert calendar_part(cancellation).get_param("method") == "CANCEL"
    assert str(calendar["METHOD"]) == "CANCEL" and str(second["STATUS"]) == "CANCELLED"
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTART") == first.decoded("DTSTART")


def test_the_email_is_in_the_agents_language(app, tenant_ids, client_for, staff):
    from obkit import create_account, logged_in

    horizon = tenant_ids["horizon"]
    seller = logged_in(
        client_for,
        create_account(app, slug="horizon", email="paul@horizon.test", kind="sales_agent"),
    )
    [slot] = publish(app, horizon, staff, paris(3, 16, 0))
    seller.get("/?lang=en")
    post_form(seller, book_url(slot), {"phone": "+44 20 7946 0958"})
    [booking] = bookings(app, horizon)
    assert booking["phone"] == "+442079460958"  # horizon's expatriates give foreign numbers
    assert booking["locale"] == "en"
    [sent] = emails(app, horizon)
    with app.test_request_context(), force_locale("en"):
        subject = gettext("Votre rendez-vous d'accompagnement est confirmé")
        summary = gettext("Accompagnement initial — %(tenant)s", tenant="Horizon Solutions+")
    assert sent["Subject"] == subject
    _calendar, event = parsed(calendar_part(sent).get_payload(decode=True))
    assert str(event["SUMMARY"]) == summary
