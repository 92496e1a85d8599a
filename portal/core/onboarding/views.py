"""The agent's pages of « Demander un accompagnement initial » (under « Aide »): the free slots,
the booking of one, its cancellation and its calendar file. Views parse, call
:mod:`.operations`, then render or redirect; no page needs JavaScript.

Every page is a 404 where the tenant does not offer onboarding or for a kind of account that
does not get it (a fund's members); a slot of another tenant, a booking of another account or
tenant is a 404 too (the pipeline loads them through the tenant and the account).
"""

from __future__ import annotations

from itertools import groupby

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.accounts.kinds import account_area
from portal.core.accounts.session import current_account, current_profile
from portal.core.accounts.validators import display_phone, normalize_phone
from portal.core.onboarding import calendar, display, operations
from portal.core.onboarding.forms import BookingForm, CancelForm
from portal.core.onboarding.models import Channel, OnboardingBooking, OnboardingSlot
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


def page_context() -> dict:
    tenant = current_tenant()
    if tenant is None:
        return {}
    return display.helpers(tenant)


def _offered():
    tenant = current_tenant()
    if not operations.offered(tenant):
        abort(404)
    return tenant


def zone_note(tenant) -> str:
    """Which clock the times are on (agents abroad read them too)."""
    zone = tenant.config.timezone
    if zone == "Europe/Paris":
        return _("Les heures indiquées sont celles de Paris.")
    return _("Les heures indiquées sont celles du fuseau %(zone)s.", zone=zone)


def _international(tenant) -> bool:
    return bool(getattr(account_area(tenant), "foreign_addresses", False))


@handler(Access.PROFILE)
def index():
    tenant = _offered()
    account = current_account()
    upcoming = operations.upcoming_booking(account)
    slots = [] if upcoming else operations.free_slots(tenant)
    days = [
        (day, list(items))
        for day, items in groupby(slots, key=lambda s: display.local(s.starts_at, tenant).date())
    ]
    history = [b for b in operations.account_bookings(account) if b is not upcoming]
    settings = tenant.config.onboarding
    return render_template(
        "onboarding/index.html",
        free_count=len(slots),
        zone_note=zone_note(tenant),
        upcoming=upcoming,
        may_cancel=upcoming is not None and operations.may_cancel(tenant, upcoming),
        deadline=operations.cancel_deadline(tenant, upcoming) if upcoming else None,
        days=days,
        history=history,
        cancel_hours=settings.cancel_hours_before,
        display_phone=display_phone,
    )


def _phone_default(account, profile) -> str:
    """The profile's number, else the account's, as the agent reads it."""
    mine = (profile.phone or profile.mobile) if profile else None
    number = mine or account.phone or account.mobile
    return display_phone(number) if number else ""


@handler(Access.PROFILE, load={"slot_id": OnboardingSlot})
def book(slot: OnboardingSlot):
    tenant = _offered()
    account, profile = current_account(), current_profile()
    held = slot.booking
    if held is not None and held.account_id != account.id:
        return _taken()
    upcoming = operations.upcoming_booking(account)
    if upcoming is not None and upcoming.slot_id != slot.id:
        flash(
            _(
                "Vous avez déjà un rendez-vous d'accompagnement à venir : annulez-le avant d'en "
                "réserver un autre."
            ),
            "info",
        )
        return redirect(url_for(".index"))
    if upcoming is not None:  # this very slot, already booked by this account
        return redirect(url_for(".index"))
    if not operations.bookable(tenant, slot):  # past, or too close to book
        flash(_("Ce créneau n'est plus disponible : choisissez-en un autre."), "error")
        return redirect(url_for(".index"))
    form = BookingForm(international_phones=_international(tenant))
    if slot.channel != Channel.PHONE:
        del form.phone
    elif not form.is_submitted():
        form.phone.data = _phone_default(account, profile)
    if form.validate_on_submit():
        phone = None
        if form.phone is not None:
            phone = normalize_phone(form.phone.data, _international(tenant))
        try:
            booked = operations.book(
                tenant,
                account,
                profile,
                slot,
                phone=phone,
                topics=form.topics.data,
                locale=str(get_locale()),
            )
        except operations.SlotTaken:
            return _taken()
        except operations.OnboardingRefused as refused:
            field = getattr(form, refused.field or "", None)
            if field is None:
                flash(refused.message, "error")
                return redirect(url_for(".index"))
            field.errors.append(refused.message)
        else:
            booking = booked.booking
            flash(
                _(
                    "Votre rendez-vous du %(when)s est confirmé. Un e-mail de confirmation, avec "
                    "l'invitation pour votre agenda, est envoyé à %(email)s.",
                    when=display.when(slot.starts_at, tenant),
                    email=booking.email,
                ),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template(
        "onboarding/book.html",
        slot=slot,
        form=form,
        email=(profile.email if profile else None) or account.email,
        cancel_hours=tenant.config.onboarding.cancel_hours_before,
    )


def _taken():
    """Another account holds the slot (it may have confirmed a moment before this agent): the
    slot is not theirs to see any more — a 404 — with the reason and the way on."""
    return render_template("onboarding/taken.html", message=operations.SlotTaken().message), 404


@handler(Access.PROFILE, load={"booking_id": OnboardingBooking})
def cancel(booking: OnboardingBooking):
    tenant = _offered()
    form = CancelForm()
    if not booking.active:
        return redirect(url_for(".index"))
    if form.validate_on_submit():
        try:
            operations.cancel_by_agent(tenant, booking, current_account(), current_profile())
        except operations.OnboardingRefused as refused:
            flash(refused.message, "error")
        else:
            flash(
                _(
                    "Votre rendez-vous du %(when)s est annulé. Un e-mail vous le confirme.",
                    when=display.when(booking.slot.starts_at, tenant),
                ),
                "success",
            )
        return redirect(url_for(".index"))
    return render_template(
        "onboarding/cancel.html",
        booking=booking,
        form=form,
        may_cancel=operations.may_cancel(tenant, booking),
        cancel_hours=tenant.config.onboarding.cancel_hours_before,
        display_phone=display_phone,
    )


@handler(Access.PROFILE, load={"booking_id": OnboardingBooking})
def ics(booking: OnboardingBooking):
    """The booking's calendar file (the same the confirmation email carries)."""
    tenant = _offered()
    data = calendar.build_ics(booking, tenant, cancelled=not booking.active)
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="accompagnement.ics"'},
    )
