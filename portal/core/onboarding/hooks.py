"""Hook implementations of the onboarding module (always on; its pages answer 404 where the
tenant does not offer it)."""

from __future__ import annotations

from portal.core.plugins import hookimpl


@hookimpl
def register_models():
    from portal.core.onboarding.models import OnboardingBooking, OnboardingSlot

    return [OnboardingSlot, OnboardingBooking]


@hookimpl
def register_jobs():
    from portal.core.onboarding.jobs import send_booking_email

    return [send_booking_email]


def _is_account(account) -> bool:
    from portal.core.accounts.models import Account

    return isinstance(account, Account)


@hookimpl
def account_export_files(tenant, account):
    """The account's onboarding bookings (kept or cancelled)."""
    if not _is_account(account):
        return None
    from portal.core.accounts.export import ExportFile, csv_bytes
    from portal.core.onboarding.operations import account_bookings

    bookings = account_bookings(account)
    if not bookings:
        return []
    rows = [
        (
            b.slot.starts_at,
            b.slot.duration_minutes,
            b.slot.channel.value,
            b.name,
            b.email,
            b.phone or "",
            b.topics or "",
            b.created_at,
            b.cancelled_at or "",
        )
        for b in bookings
    ]
    header = [
        "debut",
        "duree_minutes",
        "mode",
        "nom",
        "email",
        "telephone",
        "sujets",
        "reserve_le",
        "annule_le",
    ]
    return [ExportFile("accompagnement/rendez-vous.csv", csv_bytes(header, rows))]


@hookimpl
def on_account_purged(tenant, account):
    """The account's bookings go (their slots stay, free or past); safe twice."""
    if not _is_account(account):
        return
    from sqlalchemy import delete

    from portal.core.onboarding.models import OnboardingBooking
    from portal.extensions import db

    db.session.execute(
        delete(OnboardingBooking).where(OnboardingBooking.account_id == account.id),
        execution_options={"synchronize_session": False},
    )


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """« Accompagnement initial » on the dashboard: the meeting to come; or, for an account that
    never had one, the offer (JRMC FAQ: « si vous n'avez pas encore bénéficié d'une formation
    initiale ») while slots are free. Nothing where the tenant does not offer it."""
    if not _is_account(account):
        return None
    from flask_babel import gettext
    from flask_babel import lazy_gettext as _l

    from portal.core.onboarding import display, operations
    from portal.core.plugins import DashboardWidget

    if not operations.offered(tenant):
        return None
    upcoming = operations.upcoming_booking(account)
    if upcoming is not None:
        slot = upcoming.slot
        text = gettext(
            "Votre rendez-vous : %(when)s (%(channel)s).",
            when=display.when(slot.starts_at, tenant),
            channel=display.channel_label(slot.channel).lower(),
        )
        label = _l("Voir mon rendez-vous")
    elif not operations.account_bookings(account) and operations.free_slots(tenant):
        text = gettext(
            "20 minutes avec notre équipe, par téléphone ou en visioconférence, pour bien "
            "prendre en main le service."
        )
        label = _l("Choisir un créneau")
    else:
        return None
    return [
        DashboardWidget(
            title=_l("Accompagnement initial"),
            code="onboarding",
            text=text,
            endpoint="onboarding.index",
            link_label=label,
            order=60,
        )
    ]
