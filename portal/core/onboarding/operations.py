"""Actions of onboarding. Each runs in the caller's transaction (the view commits); the emails
they need are queued as jobs in that same transaction, so they go once, only if it commits.

Operators publish slots (:func:`publish_slots`), withdraw free ones (:func:`withdraw_slot`) and
cancel bookings (:func:`cancel_booking`); an agent books a free future slot (:func:`book`) and
cancels it until the tenant's deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.accounts.kinds import account_area
from portal.core.accounts.models import Account, Profile
from portal.core.clock import now
from portal.core.jobs import enqueue
from portal.core.onboarding import rules
from portal.core.onboarding.models import DURATIONS, Channel, OnboardingBooking, OnboardingSlot
from portal.extensions import db

# The most slots one form publishes in a row (a morning of 30-minute slots).
MAX_SERIES = 12


class OnboardingRefused(ValueError):
    """Refused for a reason the user can act on; ``field`` names the form field it belongs to
    (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class SlotTaken(OnboardingRefused):
    """Another account holds the slot (it may have confirmed a moment before)."""

    def __init__(self):
        super().__init__(
            _("Ce créneau vient d'être réservé par quelqu'un d'autre : choisissez-en un autre.")
        )


# --- Who and what ---------------------------------------------------------------------------------


def offered(tenant) -> bool:
    """The tenant offers onboarding and its kind of accounts gets it (not a fund's members)."""
    return tenant.config.onboarding.enabled and rules.kind_offered(account_area(tenant).kind)


def free_condition():
    """The condition « no live booking holds this slot »."""
    return ~exists().where(OnboardingBooking.active_slot_id == OnboardingSlot.id)


def free_slots(tenant) -> list[OnboardingSlot]:
    """The slots an agent may book now, soonest first."""
    earliest = now() + timedelta(hours=tenant.config.onboarding.notice_hours)
    return list(
        db.session.scalars(
            select(OnboardingSlot)
            .where(OnboardingSlot.starts_at > earliest, free_condition())
            .order_by(OnboardingSlot.starts_at, OnboardingSlot.id)
        )
    )


def account_bookings(account: Account) -> list[OnboardingBooking]:
    """The account's bookings, the latest slot first (cancelled ones included)."""
    return list(
        db.session.scalars(
            select(OnboardingBooking)
            .join(OnboardingSlot, OnboardingSlot.id == OnboardingBooking.slot_id)
            .where(OnboardingBooking.account_id == account.id)
            .order_by(OnboardingSlot.starts_at.desc(), OnboardingBooking.id.desc())
        )
    )


def upcoming_booking(account: Account) -> OnboardingBooking | None:
    """The account's live booking of a slot that has not ended yet."""
    moment = now()
    for booking in db.session.scalars(
        select(OnboardingBooking)
        .join(OnboardingSlot, OnboardingSlot.id == OnboardingBooking.slot_id)
        .where(
            OnboardingBooking.account_id == account.id,
            OnboardingBooking.active_slot_id.is_not(None),
        )
        .order_by(OnboardingSlot.starts_at)
    ):
        if _aware(booking.slot.ends_at) > moment:
            return booking
    return None


def bookable(tenant, slot: OnboardingSlot) -> bool:
    """Far enough ahead to be booked (the tenant's notice); whether it is free is another
    matter."""
    return rules.bookable(slot.starts_at, now(), tenant.config.onboarding.notice_hours)


def may_cancel(tenant, booking: OnboardingBooking) -> bool:
    return booking.active and rules.cancellable(
        booking.slot.starts_at, now(), tenant.config.onboarding.cancel_hours_before
    )


def cancel_deadline(tenant, booking: OnboardingBooking) -> datetime:
    return rules.cancel_deadline(
        _aware(booking.slot.starts_at), tenant.config.onboarding.cancel_hours_before
    )


def _aware(moment: datetime) -> datetime:
    return rules._aware(moment, now())


# --- The agent ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    booking: OnboardingBooking
    # False when this account had already booked this slot (the same form sent twice).
    new: bool


def book(
    tenant,
    account: Account,
    profile: Profile,
    slot: OnboardingSlot,
    *,
    phone: str | None,
    topics: str | None,
    locale: str = "fr",
) -> Booked:
    """Book ``slot`` for the account: refused when it is taken, too close or past, or when the
    account already has a meeting to come. The confirmation email (with its calendar file) is
    queued with the booking."""
    held = slot.booking
    if held is not None and held.account_id == account.id:
        return Booked(held, new=False)  # sent twice: booked once, confirmed once
    if held is not None:
        raise SlotTaken()
    if not bookable(tenant, slot):
        raise OnboardingRefused(_("Ce créneau n'est plus disponible : choisissez-en un autre."))
    upcoming = upcoming_booking(account)
    if upcoming is not None:
        raise OnboardingRefused(
            _(
                "Vous avez déjà un rendez-vous d'accompagnement à venir : annulez-le avant d'en "
                "réserver un autre."
            )
        )
    phone = (phone or "").strip() or None
    if slot.channel == Channel.PHONE and not phone:
        raise OnboardingRefused(
            _("Indiquez le numéro auquel nous vous appellerons."), field="phone"
        )
    booking = OnboardingBooking(
        slot_id=slot.id,
        active_slot_id=slot.id,
        account_id=account.id,
        managed_by_id=profile.id,
        name=profile.name or account.holder_name,
        email=profile.email or account.email,
        phone=phone,
        topics=(topics or "").strip() or None,
        locale=locale,
        created_at=now(),
        sequence=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError:  # another agent confirmed the same slot a moment before
        db.session.expire(slot, ["bookings"])
        raise SlotTaken() from None
    db.session.expire(slot, ["bookings"])
    audit.record(
        "onboarding.booked",
        target=booking,
        slot_id=slot.id,
        **audit.by_account(account, profile),
    )
    _notify(booking, "booked")
    return Booked(booking, new=True)


def cancel_by_agent(tenant, booking: OnboardingBooking, account: Account, profile: Profile):
    """The agent cancels, until the tenant's deadline before the meeting."""
    if not booking.active:
        return  # already cancelled (the form sent twice)
    if not may_cancel(tenant, booking):
        raise OnboardingRefused(
            _(
                "Ce rendez-vous ne peut plus être annulé en ligne : écrivez-nous par une demande "
                "d'aide."
            )
        )
    _cancel(booking, "agent")
    audit.record("onboarding.cancelled", target=booking, **audit.by_account(account, profile))


def _cancel(booking: OnboardingBooking, by: str) -> None:
    booking.active_slot_id = None
    booking.cancelled_at = now()
    booking.cancelled_by = by
    booking.sequence = booking.sequence + 1
    db.session.flush()
    db.session.expire(booking.slot, ["bookings"])
    _notify(booking, "cancelled")


def _notify(booking: OnboardingBooking, event: str) -> None:
    from portal.core.onboarding.jobs import send_booking_email

    enqueue(send_booking_email, booking.id, event, booking.sequence)


# --- The operators --------------------------------------------------------------------------------


def publish_slots(
    tenant,
    staff,
    *,
    starts: datetime,
    duration_minutes: int,
    channel: Channel,
    video_url: str | None = None,
    count: int = 1,
) -> list[OnboardingSlot]:
    """``count`` slots in a row from ``starts`` (a wall-clock time of the tenant's time zone,
    naive, or an aware moment). Refused in the past, or overlapping a slot the same operator
    already published."""
    if duration_minutes not in DURATIONS:
        raise OnboardingRefused(_("Choisissez une durée de 20 ou 30 minutes."), "duration")
    if not 1 <= count <= MAX_SERIES:
        raise OnboardingRefused(
            _("Publiez entre 1 et %(num)d créneaux à la fois.", num=MAX_SERIES), "count"
        )
    video_url = (video_url or "").strip() or None
    if channel == Channel.VIDEO and not video_url:
        raise OnboardingRefused(_("Indiquez le lien de la visioconférence."), "video_url")
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=ZoneInfo(tenant.config.timezone))
    starts = starts.astimezone(UTC)  # stored in UTC (SQLite keeps no offset)
    if starts <= now():
        raise OnboardingRefused(_("Choisissez une date et une heure à venir."), "date")
    wanted = [starts + timedelta(minutes=duration_minutes * i) for i in range(count)]
    mine = db.session.scalars(
        select(OnboardingSlot).where(
            OnboardingSlot.created_by_staff_id == staff.id,
            OnboardingSlot.starts_at < wanted[-1] + timedelta(minutes=duration_minutes),
            OnboardingSlot.starts_at > wanted[0] - timedelta(minutes=max(DURATIONS)),
        )
    ).all()
    for start in wanted:
        for other in mine:
            if rules.overlaps(
                start, duration_minutes, _aware(other.starts_at), other.duration_minutes
            ):
                raise OnboardingRefused(
                    _("Vous avez déjà publié un créneau qui chevauche celui-ci."), "time"
                )
    moment = now()
    slots = [
        OnboardingSlot(
            starts_at=start,
            duration_minutes=duration_minutes,
            channel=channel,
            video_url=video_url if channel == Channel.VIDEO else None,
            created_by_staff_id=staff.id,
            created_at=moment,
        )
        for start in wanted
    ]
    db.session.add_all(slots)
    db.session.flush()
    audit.record(
        "onboarding.slots_published",
        target=slots[0],
        count=count,
        **audit.by_staff(staff, tenant.id),
    )
    return slots


def withdraw_slot(tenant, slot: OnboardingSlot, staff) -> None:
    """A free slot is removed; a booked one must have its booking cancelled first."""
    if slot.booking is not None:
        raise OnboardingRefused(_("Ce créneau est réservé : annulez d'abord le rendez-vous."))
    audit.record(
        "onboarding.slot_withdrawn",
        target=slot,
        starts_at=_aware(slot.starts_at).isoformat(),
        **audit.by_staff(staff, tenant.id),
    )
    for booking in slot.bookings:  # cancelled ones: the history goes with the slot
        db.session.delete(booking)
    db.session.delete(slot)
    db.session.flush()


def cancel_booking(tenant, booking: OnboardingBooking, staff) -> None:
    """An operator cancels a booking (the agent is told by email, with the calendar's
    cancellation); the slot is free again."""
    if not booking.active:
        return
    _cancel(booking, "operator")
    audit.record("onboarding.cancelled", target=booking, **audit.by_staff(staff, tenant.id))


def operator_slots(since: datetime) -> Sequence[OnboardingSlot]:
    """The tenant's slots ending after ``since``, soonest first."""
    return db.session.scalars(
        select(OnboardingSlot)
        .where(OnboardingSlot.starts_at >= since - timedelta(minutes=max(DURATIONS)))
        .order_by(OnboardingSlot.starts_at, OnboardingSlot.id)
    ).all()
