"""The calendar file (RFC 5545) sent with a booking's emails: an invitation (``METHOD:REQUEST``)
when it is booked, its cancellation (``METHOD:CANCEL``, same ``UID``, next ``SEQUENCE``) when it
is cancelled. Times carry the tenant's time zone (``TZID=Europe/Paris`` and its ``VTIMEZONE``),
so every calendar shows the meeting at the right hour, summer or winter.

The file is built from the booking alone (its stamps included), so a retried job sends the same
bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.core.i18n import force_locale
from portal.core.onboarding.models import Channel, OnboardingBooking

PRODID = "-//Portail//Accompagnement initial//FR"


def uid(booking: OnboardingBooking, tenant) -> str:
    """Stable for the life of a booking: its invitation and its cancellation share it."""
    domain = tenant.config.email.address.rsplit("@", 1)[1]
    return f"onboarding-{booking.id}@{domain}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _phone(booking: OnboardingBooking) -> str:
    from portal.core.accounts.validators import display_phone

    return display_phone(booking.phone) if booking.phone else ""


def summary(tenant) -> str:
    return _("Accompagnement initial — %(tenant)s", tenant=tenant.name)


def where(booking: OnboardingBooking) -> str:
    slot = booking.slot
    if slot.channel == Channel.VIDEO:
        return slot.video_url or _("Visioconférence")
    return _("Par téléphone, au %(phone)s", phone=_phone(booking))


def build_ics(
    booking: OnboardingBooking, tenant, *, cancelled: bool = False, sequence: int | None = None
) -> bytes:
    """The invitation (or, ``cancelled``, its cancellation); ``sequence`` is the one of the
    event the file tells (the booking's current one by default), so an invitation sent late,
    after a cancellation, still carries the invitation's."""
    from icalendar import Calendar, Event, vCalAddress, vText

    slot = booking.slot
    zone = ZoneInfo(tenant.config.timezone)
    with force_locale(booking.locale):
        title = summary(tenant)
        location = where(booking)
        if slot.channel == Channel.VIDEO:
            description = _(
                "Rendez-vous d'accompagnement de %(minutes)d minutes en visioconférence. "
                "Rejoignez la réunion à l'heure prévue : %(url)s",
                minutes=slot.duration_minutes,
                url=slot.video_url or "",
            )
        else:
            description = _(
                "Rendez-vous d'accompagnement de %(minutes)d minutes par téléphone : notre équipe "
                "vous appelle au %(phone)s à l'heure prévue.",
                minutes=slot.duration_minutes,
                phone=_phone(booking),
            )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid(booking, tenant))
    event.add("sequence", booking.sequence if sequence is None else sequence)
    stamp = booking.cancelled_at if cancelled and booking.cancelled_at else booking.created_at
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(slot.starts_at).astimezone(zone))
    event.add("dtend", _utc(slot.ends_at).astimezone(zone))
    event.add("summary", title)
    event.add("description", description)
    event.add("location", location)
    if slot.channel == Channel.VIDEO and slot.video_url:
        event.add("url", slot.video_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer = vCalAddress(f"mailto:{tenant.config.email.address}")
    organizer.params["cn"] = vText(tenant.config.email.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.email}")
    attendee.params["cn"] = vText(booking.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if cancelled else "ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
