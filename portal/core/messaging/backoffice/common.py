"""What the inbox pages share: the labels operators read, the age of an unanswered
conversation."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from portal.core.messaging import display

# Beyond this wait the inbox highlights the conversation.
OVERDUE = timedelta(hours=48)


def age_label(waited: timedelta) -> str:
    """A wait as operators read it: « 3 j 4 h », « 2 h », « 12 min »."""
    minutes = int(waited.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d j %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=minutes)


def page_context() -> dict:
    """Helpers of the inbox templates."""
    return {
        **display.helpers(operator=True),
        "age_label": age_label,
        "overdue": lambda waited: waited is not None and waited > OVERDUE,
    }
