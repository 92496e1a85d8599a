"""What the printer reports, through the mail's sending: the mail's list state follows.

:func:`sending_state_changed` runs from the core's job that tells each state reached once
(``on_sending_state_changed``); it is idempotent all the same (a failing hook retries its job),
and a state never moves the mail back:

- handed over → TRANSMITTED (``transmitted_at``);
- the printer's news → POSTED on the day of its ``A01`` « Pris en charge » (read on the
  sending's timeline: the core tells the operator's intermediate state once, at its first
  event, so the posting is caught there or at the final state, whichever shows it first;
  :func:`sync_posted` catches it in between);
- cancelled → CANCELLED; failed → FAILED (the core refunds a sending that never left).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from plugins.paper_mail.models import MailState, PaperMail
from portal.core import clock
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.sendings.models import Sending
from portal.core.sendings.operators.base import SendingState

log = logging.getLogger(__name__)

OWNER = "paper_mail"
# A state is never left for an earlier one (a late or repeated hook changes nothing).
_RANK = {
    MailState.DRAFT: 0,
    MailState.SCHEDULED: 1,
    MailState.TRANSMITTED: 2,
    MailState.POSTED: 3,
    MailState.CANCELLED: 4,
    MailState.FAILED: 4,
}
LEFT = frozenset(
    {
        SendingState.HANDED_OVER,
        SendingState.IN_PROGRESS,
        SendingState.DELIVERED,
        SendingState.REFUSED,
        SendingState.NOT_CLAIMED,
        SendingState.RETURNED,
    }
)


def mail_of(sending: Sending) -> PaperMail | None:
    """The mail a sending of this plugin is about (in the current tenant)."""
    from portal.extensions import db

    if sending.owner != OWNER or sending.subject_type != "PaperMail" or not sending.subject_id:
        return None
    return db.session.get(PaperMail, sending.subject_id)


def _move(mail: PaperMail, state: str) -> bool:
    if _RANK[state] <= _RANK.get(mail.state, 0):
        return False
    mail.state = state
    return True


def sync_posted(mail: PaperMail) -> bool:
    """The mail is POSTED, on the day of its ``A01``, once its sending's timeline says La Poste
    took it (idempotent); whether it changed anything."""
    from plugins.paper_mail import tracking

    if mail.state not in (MailState.SCHEDULED, MailState.TRANSMITTED, MailState.POSTED):
        return False
    day = tracking.posted_on(mail.sending)
    if day is None:
        return False
    changed = mail.posted_on != day
    mail.posted_on = day
    if mail.transmitted_at is None and mail.sending is not None:
        mail.transmitted_at = mail.sending.handed_over_at
    return _move(mail, MailState.POSTED) or changed


def sending_state_changed(tenant, sending, state) -> None:
    """``sending`` (this plugin's) reached ``state``: the mail follows (idempotent)."""
    mail = mail_of(sending)
    if mail is None or mail.sending_id != sending.id:
        return
    state = SendingState(state)
    if state in LEFT:
        if mail.transmitted_at is None:
            mail.transmitted_at = sending.handed_over_at or clock.now()
        _move(mail, MailState.TRANSMITTED)
        sync_posted(mail)
    elif state == SendingState.CANCELLED:
        if _move(mail, MailState.CANCELLED):
            mail.cancelled_at = mail.cancelled_at or clock.now()
    elif state == SendingState.FAILED:
        # Refused by the printer (an address it rejects): the core refunds it and tells the
        # managing profile; a mail already posted stays posted (the list says what happened).
        if mail.state != MailState.POSTED:
            mail.state = MailState.FAILED
        log.info("paper mail %s: its sending %s failed", mail.reference, sending.reference)


def sync_posted_mails() -> int:
    """Every transmitted mail of the current tenant whose printer already said « Pris en
    charge » is POSTED (between the core's hooks); how many moved."""
    from portal.extensions import db

    mails = db.session.scalars(
        select(PaperMail).where(
            PaperMail.state.in_([MailState.SCHEDULED, MailState.TRANSMITTED]),
            PaperMail.sending_id.is_not(None),
        )
    ).all()
    return sum(1 for mail in mails if sync_posted(mail))


@job(queue="default")
def sync_posted_job(tenant_id=None):
    """Every 10 minutes, after the core's polling: each tenant with mails at the printer brings
    their list state in step (« Posté le … »); safe to run twice."""
    from portal.core.tenants import tenant_scope, unscoped
    from portal.extensions import db

    if tenant_id is not None:
        sync_posted_mails()
        return
    with unscoped():
        tenants = db.session.scalars(
            select(PaperMail.tenant_id)
            .where(PaperMail.state.in_([MailState.SCHEDULED, MailState.TRANSMITTED]))
            .distinct()
            .order_by(PaperMail.tenant_id)
        ).all()
    for each in tenants:
        with tenant_scope(each):
            enqueue(sync_posted_job)


JOBS = [sync_posted_job]
# To register in the plugin's ``register_periodic_jobs`` (and ``JOBS`` in ``register_jobs``).
PERIODIC_JOBS = [PeriodicJob(job=sync_posted_job, every=timedelta(minutes=10))]
