"""The operators' onboarding pages in the back office (« Accompagnement initial »): the tenants
that offer it, then one tenant's slots — publish new ones, see who booked what, withdraw a free
slot, cancel a booking (the agent is told by email).

A tenant's pages name it in their URL (``<tenant_slug>``) and run in its scope: a slot or a
booking of another tenant is a 404, and so is every page of a tenant that does not offer it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.core.accounts.models import Account
from portal.core.accounts.validators import display_phone
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.backoffice.queries import all_tenants
from portal.core.clock import now
from portal.core.onboarding import display, operations
from portal.core.onboarding.forms import CancelForm, SlotForm
from portal.core.onboarding.models import Channel, OnboardingBooking, OnboardingSlot
from portal.core.plugins import hookimpl
from portal.core.tenants import CurrentTenant, tenant_directory
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

# How far back the slots page shows past slots.
PAST_DAYS = 7


@hookimpl
def backoffice_pages():
    base = "/accompagnement/<tenant_slug>"
    post = ("POST",)
    return [
        BackofficePage("/accompagnement", "onboarding_tenants", tenants),
        BackofficePage(base, "onboarding_slots", slots, ("GET", "POST")),
        BackofficePage(
            base + "/creneaux/<int:slot_id>/retirer", "onboarding_withdraw", withdraw, post
        ),
        BackofficePage(
            base + "/rendez-vous/<int:booking_id>/annuler",
            "onboarding_cancel_booking",
            cancel_booking,
            post,
        ),
    ]


@hookimpl
def backoffice_menu_items():
    return [BackofficeMenuItem(_l("Accompagnement initial"), "onboarding_tenants", order=40)]


@handler(Access.STAFF)
def tenants():
    """Each tenant offering onboarding, with its free slots and bookings to come."""
    moment = now()
    free = dict(
        db.session.execute(
            select(OnboardingSlot.tenant_id, func.count())
            .where(OnboardingSlot.starts_at > moment, operations.free_condition())
            .group_by(OnboardingSlot.tenant_id)
        ).all()
    )
    booked = dict(
        db.session.execute(
            select(OnboardingSlot.tenant_id, func.count())
            .join(OnboardingBooking, OnboardingBooking.active_slot_id == OnboardingSlot.id)
            .where(OnboardingSlot.starts_at > moment)
            .group_by(OnboardingSlot.tenant_id)
        ).all()
    )
    rows = []
    for row in all_tenants():
        tenant = tenant_directory().get(row.id)
        if tenant is None or not tenant.config.onboarding.enabled:
            continue
        rows.append(
            {"tenant": tenant, "free": free.get(row.id, 0), "booked": booked.get(row.id, 0)}
        )
    return render_template("backoffice/onboarding/tenants.html", rows=rows)


def _offering(tenant: CurrentTenant) -> CurrentTenant:
    if not tenant.config.onboarding.enabled:
        abort(404)
    return tenant


def _slots_page(tenant: CurrentTenant, form: SlotForm):
    since = now() - timedelta(days=PAST_DAYS)
    found = operations.operator_slots(since)
    moment = now()
    upcoming = [s for s in found if display.local(s.ends_at, tenant) > moment]
    past = [s for s in found if display.local(s.ends_at, tenant) <= moment]
    account_ids = {b.account_id for s in found for b in s.bookings}
    accounts = (
        {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(account_ids)))}
        if account_ids
        else {}
    )
    form.time.description = _zone_hint(tenant)
    return render_template(
        "backoffice/onboarding/slots.html",
        tenant=tenant,
        form=form,
        upcoming=upcoming,
        past=past,
        past_days=PAST_DAYS,
        accounts=accounts,
        action_form=CancelForm(formdata=None),
        display_phone=display_phone,
        **display.helpers(tenant),
    )


def _zone_hint(tenant: CurrentTenant) -> str:
    return _("Heure de %(zone)s, celle du portail.", zone=tenant.config.timezone)


@handler(Access.STAFF)
def slots(tenant: CurrentTenant):
    _offering(tenant)
    form = SlotForm()
    if request.method == "POST" and form.validate():
        try:
            published = operations.publish_slots(
                tenant,
                current_staff(),
                starts=datetime.combine(form.date.data, form.time.data),
                duration_minutes=int(form.duration.data),
                channel=Channel(form.channel.data),
                video_url=form.video_url.data,
                count=form.count.data,
            )
        except operations.OnboardingRefused as refused:
            field = getattr(form, refused.field or "", None)
            if field is None:
                form.form_errors.append(refused.message)
            else:
                field.errors.append(refused.message)
        else:
            flash(
                ngettext(
                    "%(num)d créneau publié à partir du %(when)s.",
                    "%(num)d créneaux publiés à partir du %(when)s.",
                    len(published),
                    when=display.when(published[0].starts_at, tenant),
                ),
                "success",
            )
            return redirect(url_for(".onboarding_slots", tenant_slug=tenant.slug))
    return _slots_page(tenant, form)


@handler(Access.STAFF, load={"slot_id": OnboardingSlot})
def withdraw(tenant: CurrentTenant, slot: OnboardingSlot):
    _offering(tenant)
    if CancelForm().validate_on_submit():
        when = display.when(slot.starts_at, tenant)
        try:
            operations.withdraw_slot(tenant, slot, current_staff())
        except operations.OnboardingRefused as refused:
            flash(refused.message, "error")
        else:
            flash(_("Le créneau du %(when)s est retiré.", when=when), "success")
    return redirect(url_for(".onboarding_slots", tenant_slug=tenant.slug))


@handler(Access.STAFF, load={"booking_id": OnboardingBooking})
def cancel_booking(tenant: CurrentTenant, booking: OnboardingBooking):
    _offering(tenant)
    if CancelForm().validate_on_submit() and booking.active:
        operations.cancel_booking(tenant, booking, current_staff())
        flash(
            _(
                "Le rendez-vous du %(when)s est annulé ; %(email)s en est averti par e-mail. "
                "Le créneau est de nouveau libre.",
                when=display.when(booking.slot.starts_at, tenant),
                email=booking.email,
            ),
            "success",
        )
    return redirect(url_for(".onboarding_slots", tenant_slug=tenant.slug))
