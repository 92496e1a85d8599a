"""How onboarding shows times and channels: on the tenant's clock (``timezone``), formatted by
Babel in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.onboarding.models import Channel

CHANNEL_LABELS = {Channel.PHONE: _l("Par téléphone"), Channel.VIDEO: _l("En visioconférence")}


def _locale():
    try:  # the portal's formats per language (British English), where the core offers them
        from portal.core.i18n import locale_for
    except ImportError:  # pragma: no cover - older cores
        return get_locale()
    return locale_for(str(get_locale()))


def local(moment: datetime, tenant) -> datetime:
    """``moment`` on the tenant's clock (SQLite hands back naive UTC datetimes)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tenant.config.timezone))


def day_label(day: date) -> str:
    """« mardi 8 décembre 2026 »."""
    return babel_dates.format_date(day, "full", locale=_locale())


def time_label(moment: datetime, tenant) -> str:
    """« 10:00 »."""
    return babel_dates.format_time(local(moment, tenant), "short", locale=_locale())


def when(moment: datetime, tenant) -> str:
    """« mardi 8 décembre 2026 à 10:00 »."""
    at = local(moment, tenant)
    return _("%(day)s à %(time)s", day=day_label(at.date()), time=time_label(at, tenant))


def channel_label(channel: Channel | str) -> str:
    return str(CHANNEL_LABELS[Channel(channel)])


def helpers(tenant) -> dict:
    """What the onboarding templates use to show slots."""
    return {
        "slot_day": lambda moment: day_label(local(moment, tenant).date()),
        "slot_time": lambda moment: time_label(moment, tenant),
        "slot_when": lambda moment: when(moment, tenant),
        "channel_label": channel_label,
        "local_day": lambda moment: local(moment, tenant).date(),
    }
