"""The dashboard card of the resiliation plugin: the letters to finish, those leaving today and
those sent and awaiting the recipient's acknowledgement, each a link to its list."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from plugins.resiliation.i18n import _l
from plugins.resiliation.models import Letter, LetterState
from portal.core.clock import local_now
from portal.core.plugins import DashboardWidget
from portal.core.sendings import SendingState
from portal.core.sendings.models import Sending
from portal.extensions import db

# Sent, the recipient has not answered yet (LRAR: not accepted; LR: not picked up).
AWAITING = (SendingState.HANDED_OVER, SendingState.IN_PROGRESS)


def figures(tenant, account_id: int) -> dict[str, int]:
    """{"to_finish", "today", "awaiting"} of the account's letters not in the trash."""
    visible = (Letter.account_id == account_id, Letter.trashed_at.is_(None))
    to_finish = db.session.scalar(
        select(func.count(Letter.id)).where(*visible, Letter.state == LetterState.DRAFT)
    )
    zone = ZoneInfo(tenant.config.timezone)
    start = datetime.combine(local_now(tenant).date(), time(0), zone)
    end = start + timedelta(days=1)
    today = db.session.scalar(
        select(func.count(Letter.id))
        .join(Sending, Sending.id == Letter.sending_id)
        .where(
            *visible,
            Letter.state == LetterState.VALIDATED,
            Sending.due_at >= start,
            Sending.due_at < end,
        )
    )
    awaiting = db.session.scalar(
        select(func.count(Letter.id))
        .join(Sending, Sending.id == Letter.sending_id)
        .where(*visible, Letter.state == LetterState.SENT, Sending.state.in_(AWAITING))
    )
    return {"to_finish": to_finish or 0, "today": today or 0, "awaiting": awaiting or 0}


def widgets(tenant, account, profile) -> list:
    if getattr(account, "id", None) is None or profile is None:
        return []
    found = figures(tenant, account.id)
    return [
        DashboardWidget(
            title=_l("Mes résiliations"),
            template="resiliation/lists/_dashboard_card.html",
            context=found,
            code="resiliation.letters",
            endpoint="resiliation.home",
            order=20,
            attention=bool(found["today"]),
        )
    ]
