"""The booking's emails, sent by a job after the action commits: the confirmation with its
invitation for the agent's calendar, or the cancellation with the calendar's cancellation.

A job names its booking and the event; the message is rebuilt from the booking (the calendar
file's stamps included) and handed over once per job (``portal.core.mail.send_email``), so a
retried job never sends it twice.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.core.jobs import job

SUBJECTS = {
    "booked": _l("Votre rendez-vous d'accompagnement est confirmé"),
    "cancelled": _l("Votre rendez-vous d'accompagnement est annulé"),
}


@job(queue="mail")
def send_booking_email(tenant_id, booking_id, event, sequence=None):
    """``sequence``: the calendar SEQUENCE of the event, as it was when it happened."""
    from portal.core.accounts.validators import display_phone
    from portal.core.mail import compose_email, send_email, tenant_rendering
    from portal.core.onboarding import calendar, display
    from portal.core.onboarding.models import Channel, OnboardingBooking
    from portal.core.tenants import tenant_directory
    from portal.extensions import db

    booking = db.session.get(OnboardingBooking, booking_id)
    if booking is None or event not in SUBJECTS:
        return  # the slot was withdrawn meanwhile, or an unknown event
    if event == "booked" and not booking.active:
        return  # cancelled before its confirmation left: the cancellation tells it all
    tenant = tenant_directory().get(tenant_id)
    slot = booking.slot
    cancelled = event == "cancelled"
    with tenant_rendering(tenant, booking.locale):
        ics = calendar.build_ics(booking, tenant, cancelled=cancelled, sequence=sequence)
        context = {
            "name": booking.name,
            "event": event,
            "when": display.when(slot.starts_at, tenant),
            "minutes": slot.duration_minutes,
            "channel": display.channel_label(slot.channel),
            "video": slot.channel == Channel.VIDEO,
            "video_url": slot.video_url,
            "phone": display_phone(booking.phone) if booking.phone else "",
            "by_operator": booking.cancelled_by == "operator",
            "page_url": url_for("onboarding.index", _external=True),
        }
    message = compose_email(
        tenant,
        f"onboarding_{event}",
        to=booking.email,
        subject=SUBJECTS[event],
        context=context,
        locale=booking.locale,
    )
    method = "CANCEL" if cancelled else "REQUEST"
    message.add_attachment(
        ics,
        "text",
        "calendar",
        filename="annulation.ics" if cancelled else "invitation.ics",
        params={"method": method, "charset": "utf-8"},
    )
    send_email(message)
