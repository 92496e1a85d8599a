"""What the printer reports, through the mail's sending: the mail's list state follows.

:func:`sending_state_changed` runs from the core's job that tells each state reached once
(``on_sending_state_changed``); it is idempotent all the same (a failing hook retries its job),
and a state never moves the mail back:

- handed over → TRANSMITTED (``transmitted_at``);
- the printer's news → POSTED on the day of its ``A01`` « Pris en charge », read on the
  sending's timeline whenever the core tells an operator event (:func:`operator_event`) or a
  state: events arrive in any order (a callback retried after a later one), and whichever is
  told last finds the ``A01`` there;
- cancelled → CANCELLED; failed → FAILED (the core refunds a sending that never left).
"""

from __future__ import annotations

import logging

from plugins.paper_mail.models import MailState, PaperMail
from portal.core import clock
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
    """The mail a sending of this plugin is about (in the current tenant), while that sending
    is still the mail's."""
    from portal.extensions import db

    if sending.owner != OWNER or sending.subject_type != "PaperMail" or not sending.subject_id:
        return None
    mail = db.session.get(PaperMail, sending.subject_id)
    return mail if mail is not None and mail.sending_id == sending.id else None


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
    if mail is None:
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


def operator_event(tenant, sending, event) -> None:
    """The printer reported a step of ``sending`` (this plugin's): the mail is POSTED once its
    timeline shows the ``A01`` (whichever of its events arrives last; idempotent)."""
    mail = mail_of(sending)
    if mail is None:
        return
    sync_posted(mail)
