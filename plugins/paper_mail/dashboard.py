"""The dashboard card of the paper mail plugin: the drafts to finish, the mails scheduled and
those posted this week (Monday to Sunday, Paris), each a link to the list filtered on it.

Wired by the plugin's ``dashboard_widgets`` hookimpl (``dashboard.widgets``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from plugins.paper_mail.i18n import _l
from plugins.paper_mail.models import MailState, PaperMail
from plugins.paper_mail.rules import PARIS
from portal.core import clock
from portal.core.plugins import DashboardWidget
from portal.extensions import db


def figures(account_id: int) -> dict[str, int]:
    """{"drafts", "scheduled", "posted_this_week"} of the account's mails."""
    mine = PaperMail.account_id == account_id
    today = clock.now().astimezone(PARIS).date()
    monday = today - timedelta(days=today.weekday())
    counts = dict(
        db.session.execute(
            select(PaperMail.state, func.count(PaperMail.id))
            .where(mine, PaperMail.state.in_((MailState.DRAFT, MailState.SCHEDULED)))
            .group_by(PaperMail.state)
        ).all()
    )
    posted = db.session.scalar(
        select(func.count(PaperMail.id)).where(
            mine,
            PaperMail.posted_on >= monday,
            PaperMail.posted_on < monday + timedelta(days=7),
        )
    )
    return {
        "drafts": counts.get(MailState.DRAFT, 0),
        "scheduled": counts.get(MailState.SCHEDULED, 0),
        "posted_this_week": posted or 0,
    }


def widgets(tenant, account, profile) -> list:
    if getattr(account, "id", None) is None or profile is None:
        return []
    found = figures(account.id)
    return [
        DashboardWidget(
            title=_l("Courrier papier"),
            template="paper_mail/lists/_dashboard_card.html",
            context=found,
            code="paper_mail.mails",
            endpoint="paper_mail.home",
            order=25,
            attention=bool(found["drafts"]),
        )
    ]
