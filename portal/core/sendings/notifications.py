"""The managing profile's emails about its sendings: handed over, delivered (LRE: accepted),
refused, not claimed, returned, failed — each once (the job of the state reached queues it once),
branded with the tenant's mail layout, in the tenant's language.

The email leaves from a job queued in the caller's transaction (``queue_state_notice``), so a
rolled-back action sends nothing."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.core.mail import MailBounced, compose_email, send_email, tenant_rendering
from portal.core.sendings.models import Sending
from portal.core.sendings.operations.sendings import aware
from portal.core.sendings.operators.base import Channel, SendingState
from portal.core.sendings.rules import NOTIFIED
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

log = logging.getLogger(__name__)


def queue_state_notice(sending: Sending, state: SendingState) -> None:
    """Email the managing profile about ``state`` once the current transaction commits."""
    from portal.core.jobs import enqueue
    from portal.core.sendings import jobs

    if SendingState(state) not in NOTIFIED:
        return
    with tenant_scope(sending.tenant_id):
        enqueue(jobs.send_state_notice, sending.id, SendingState(state).value)


def profile_address(sending: Sending) -> tuple[str, str]:
    """(email, name) of who manages the sending: its profile, else the account."""
    from portal.core.accounts.models import Account, Profile

    if sending.profile_id is not None:
        profile = db.session.get(Profile, sending.profile_id)
        if profile is not None and profile.active and profile.email:
            return profile.email, profile.name
    account = db.session.get(Account, sending.account_id)
    return account.email, account.holder_name


def _subject(sending: Sending, state: SendingState) -> str:
    lre = sending.channel == Channel.LRE
    title = sending.title
    if state == SendingState.HANDED_OVER:
        return _("Envoi parti : %(title)s", title=title)
    if state == SendingState.DELIVERED:
        if lre:
            return _("Lettre recommandée acceptée : %(title)s", title=title)
        return _("Courrier distribué : %(title)s", title=title)
    if state == SendingState.REFUSED:
        return _("Envoi refusé par le destinataire : %(title)s", title=title)
    if state == SendingState.NOT_CLAIMED:
        return _("Envoi non réclamé : %(title)s", title=title)
    if state == SendingState.RETURNED:
        return _("Courrier retourné à l'expéditeur : %(title)s", title=title)
    return _("Envoi en échec : %(title)s", title=title)


def _last_detail(sending: Sending, state: SendingState) -> str:
    for event in reversed(sending.events):
        if event.state == state and event.applied:
            return event.detail or ""
    return ""


def deliver_state_notice(sending: Sending | None, state: SendingState) -> bool:
    """Email the managing profile about ``state`` (see the module docstring). True if sent."""
    if sending is None or state not in NOTIFIED:
        return False
    tenant = tenant_directory().by_id(sending.tenant_id)
    to, name = profile_address(sending)
    locale = tenant.config.default_locale
    handed = aware(sending.handed_over_at)
    with tenant_rendering(tenant, locale):
        subject = _subject(sending, state)
        when = (
            handed.astimezone(ZoneInfo(tenant.config.timezone)).strftime("%d/%m/%Y %H:%M")
            if handed
            else ""
        )
    message = compose_email(
        tenant,
        "sending_state_notice",
        to=to,
        subject=subject,
        locale=locale,
        context={
            "state": state.value,
            "channel": sending.channel.value,
            "profile_name": name,
            "title": sending.title,
            "reference": sending.reference,
            "recipient_name": sending.recipient_party().name,
            "tracking_number": sending.tracking_number or "",
            "handed_over_at": when,
            "detail": _last_detail(sending, state),
            "refunded": state == SendingState.FAILED and sending.charged,
        },
    )
    try:
        send_email(message)
    except MailBounced:
        log.warning("sending %s: the profile's address %s bounced", sending.reference, to)
        return False
    return True
