"""Pure rules of onboarding bookings (no I/O): who is offered it, which slots can be booked,
until when a booking can be cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta


def kind_offered(kind) -> bool:
    """Professionals and the accounts that pay are offered an initial onboarding; a fund's
    members are not (``portal.core.accounts.kinds.AccountKind``)."""
    return bool(kind.pays or kind.professional)


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment


def bookable(starts_at: datetime, now: datetime, notice_hours: int) -> bool:
    """A free slot can be booked until ``notice_hours`` before it starts."""
    return _aware(starts_at, now) - now > timedelta(hours=notice_hours)


def cancellable(starts_at: datetime, now: datetime, hours_before: int) -> bool:
    """The agent cancels until ``hours_before`` hours before the start."""
    return _aware(starts_at, now) - now >= timedelta(hours=hours_before)


def cancel_deadline(starts_at: datetime, hours_before: int) -> datetime:
    return starts_at - timedelta(hours=hours_before)


def overlaps(start_a: datetime, minutes_a: int, start_b: datetime, minutes_b: int) -> bool:
    end_a = start_a + timedelta(minutes=minutes_a)
    end_b = start_b + timedelta(minutes=minutes_b)
    return start_a < end_b and start_b < end_a
