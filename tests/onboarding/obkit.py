"""Helpers of the onboarding tests: slots published as an operator would, bookings read back as
plain data, the emails of the development mailbox with their calendar files."""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

from sqlalchemy import select
from webkit import devbox, location, text_of  # noqa: F401 - re-exported

from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db
from portal.testing.accounts import create_account, create_staff  # noqa: F401
from portal.testing.web import csrf_token, logged_in, post_form  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
INDEX = "/aide/accompagnement/"
HELP = "/messagerie/aide"


def book_url(slot_id: int) -> str:
    return f"/aide/accompagnement/creneaux/{slot_id}"


def cancel_url(booking_id: int) -> str:
    return f"/aide/accompagnement/rendez-vous/{booking_id}/annuler"


def ics_url(booking_id: int) -> str:
    return f"/aide/accompagnement/rendez-vous/{booking_id}/agenda.ics"


def paris(days: int, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock time in Paris, ``days`` from today."""
    from portal.core.clock import now

    day = now().astimezone(PARIS).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def publish(
    app,
    tenant_id: int,
    staff,
    starts: datetime,
    *,
    duration=20,
    channel="phone",
    video_url=None,
    count=1,
) -> list[int]:
    """Slots published through the operation the back office calls; their ids."""
    from portal.core.backoffice.models import StaffUser
    from portal.core.onboarding import operations
    from portal.core.onboarding.models import Channel

    with app.app_context(), tenant_scope(tenant_id):
        tenant = tenant_directory().get(tenant_id)
        slots = operations.publish_slots(
            tenant,
            db.session.get(StaffUser, staff.id),
            starts=starts,
            duration_minutes=duration,
            channel=Channel(channel),
            video_url=video_url,
            count=count,
        )
        ids = [s.id for s in slots]
        db.session.commit()
        return ids


def bookings(app, tenant_id: int) -> list[dict]:
    """Every booking of the tenant, oldest first."""
    from portal.core.onboarding.models import OnboardingBooking

    with app.app_context(), tenant_scope(tenant_id):
        return [
            {
                "id": b.id,
                "slot_id": b.slot_id,
                "active": b.active,
                "account_id": b.account_id,
                "managed_by_id": b.managed_by_id,
                "phone": b.phone,
                "email": b.email,
                "topics": b.topics,
                "cancelled_by": b.cancelled_by,
                "sequence": b.sequence,
                "locale": b.locale,
            }
            for b in db.session.scalars(select(OnboardingBooking).order_by(OnboardingBooking.id))
        ]


def emails(app, tenant_id: int) -> list:
    """The emails sent so far (jobs run first), parsed."""
    return [
        email.message_from_bytes(row.raw, policy=policy.default)
        for row in devbox(app, tenant_id, "email")
    ]


def invitation_and_cancellation(app, tenant_id: int) -> tuple:
    """The two emails of a booking then its cancellation, whichever job ran first."""
    found = {calendar_part(m).get_param("method"): m for m in emails(app, tenant_id)}
    assert sorted(found) == ["CANCEL", "REQUEST"], sorted(found)
    return found["REQUEST"], found["CANCEL"]


def calendar_part(message):
    """The text/calendar part of an email (None when it has none)."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part
    return None


def shift_clock(monkeypatch, delta: timedelta) -> None:
    """Move the portal's one clock (``portal.core.clock.now``) as the onboarding code reads it."""
    import portal.core.onboarding.operations as operations
    from portal.core import clock

    real = clock.now
    monkeypatch.setattr(operations, "now", lambda: real() + delta)
