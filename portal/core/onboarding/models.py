"""Onboarding slots published by operators and the bookings agents make of them.

A slot is booked once: the live booking of a slot holds its id in ``active_slot_id``, which is
unique, so of two agents confirming the same slot at the same moment one insert wins and the
other is refused by the database. A cancelled booking keeps ``slot_id`` (its history) and gives
``active_slot_id`` up, so the slot is free again.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.accounts.ownership import AccountOwned
from portal.core.tenants import TenantScoped
from portal.extensions import db, str_enum

DURATIONS = (20, 30)  # minutes: « une vingtaine de minutes (au maximum 30 minutes) »


class Channel(enum.StrEnum):
    PHONE = "phone"  # the operator calls the agent at the number they gave
    VIDEO = "video"  # the agent joins the slot's video link


class OnboardingSlot(TenantScoped, db.Model):
    __tablename__ = "onboarding_slot"
    __table_args__ = (Index("ix_onboarding_slot_tenant_starts", "tenant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int]
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16))
    # Where a video meeting takes place (the operator's meeting link).
    video_url: Mapped[str | None] = mapped_column(String(500))
    created_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    bookings: Mapped[list[OnboardingBooking]] = relationship(
        back_populates="slot",
        foreign_keys="OnboardingBooking.slot_id",
        order_by="OnboardingBooking.id",
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def booking(self) -> OnboardingBooking | None:
        """The live booking of the slot, if any."""
        return next((b for b in self.bookings if b.active_slot_id is not None), None)


class OnboardingBooking(AccountOwned, db.Model):
    """An agent's booking of a slot; ``managed_by_id`` is the profile that booked it."""

    __tablename__ = "onboarding_booking"
    __table_args__ = (UniqueConstraint("active_slot_id", name="uq_onboarding_booking_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_slot.id", ondelete="CASCADE"), index=True
    )
    # = slot_id while the booking holds the slot, None once cancelled (unique: booked once).
    active_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_slot.id", ondelete="CASCADE")
    )
    # Who is called (phone slots) and written to; kept as given when booking.
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # What the agent would like to go through (optional).
    topics: Mapped[str | None] = mapped_column(Text)
    # The agent's language: the confirmation and the calendar file are in it.
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "agent" or "operator": who cancelled it.
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    # The calendar file's SEQUENCE: 0 when booked, 1 once cancelled.
    sequence: Mapped[int] = mapped_column(default=0)

    slot: Mapped[OnboardingSlot] = relationship(back_populates="bookings", foreign_keys=[slot_id])

    @property
    def active(self) -> bool:
        return self.active_slot_id is not None
