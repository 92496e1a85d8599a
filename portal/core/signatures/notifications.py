"""The emails of a signature procedure: the signer's invitation and reminders, and what the agent
who asked is told (a bounced invitation, a refusal, an expiry, the procedure complete).

Every email leaves from a job queued in the caller's transaction (``queue_*``, ``notify_agent``),
so a rolled-back action sends nothing; the jobs (``jobs.py``) call the ``deliver_*`` functions
here. A signer's email is in the procedure's language; the agent's in the tenant's.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.core import clock
from portal.core.clock import aware
from portal.core.i18n import force_locale
from portal.core.mail import MailBounced, compose_email, send_email, tenant_rendering
from portal.core.signatures.models import (
    ProcedureSigner,
    ProcedureState,
    SignatureProcedure,
    SignerEvent,
    SignerState,
)
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

log = logging.getLogger(__name__)

# What the agent is told about (``notify_agent``'s ``what``).
BOUNCED, DECLINED, EXPIRED, SIGNED = "bounced", "declined", "expired", "signed"
AGENT_NOTICES = (BOUNCED, DECLINED, EXPIRED, SIGNED)

# Signers who may still be invited or reminded.
PENDING_SIGNER_STATES = (SignerState.INVITED, SignerState.OPENED)


def deadline_text(procedure: SignatureProcedure, tenant=None) -> str:
    """The deadline in the tenant's time zone, as the manual writes it: « 25/02/2021 à 20h00 »
    (« 25/02/2021 at 20:00 » in English), in the current language."""
    tenant = tenant or tenant_directory().by_id(procedure.tenant_id)
    local = aware(procedure.deadline).astimezone(ZoneInfo(tenant.config.timezone))
    return _(
        "%(date)s à %(hour)02dh%(minute)02d",
        date=local.strftime("%d/%m/%Y"),
        hour=local.hour,
        minute=local.minute,
    )


def agent_address(procedure: SignatureProcedure) -> tuple[str, str]:
    """(email, name) of the agent who asked: the procedure's profile, else the account."""
    from portal.core.accounts.models import Account, Profile

    if procedure.profile_id is not None:
        profile = db.session.get(Profile, procedure.profile_id)
        if profile is not None and profile.active and profile.email:
            return profile.email, profile.name
    account = db.session.get(Account, procedure.account_id)
    return account.email, account.holder_name


def _agent_signed_alone(procedure: SignatureProcedure) -> bool:
    email = agent_address(procedure)[0].casefold()
    return all(signer.email.casefold() == email for signer in procedure.signers)


def requester_name(procedure: SignatureProcedure) -> str:
    """Who asks the signer to sign: « Jean Fournier (Agence Dupont) », or the account's name."""
    from portal.core.accounts.models import Account, Profile

    account = db.session.get(Account, procedure.account_id)
    profile = db.session.get(Profile, procedure.profile_id) if procedure.profile_id else None
    if profile is not None and profile.name and profile.name != account.display_name:
        return f"{profile.name} ({account.display_name})"
    return account.display_name


def _event(signer: ProcedureSigner, kind: str, **details) -> SignerEvent:
    event = SignerEvent(
        procedure_id=signer.procedure_id,
        signer_id=signer.id,
        kind=kind,
        at=clock.now(),
        details=details,
    )
    db.session.add(event)
    return event


# --- Queueing (in the caller's transaction) --------------------------------------------------


def _enqueue(tenant_id: int, fn, *args) -> None:
    from portal.core.jobs import enqueue

    with tenant_scope(tenant_id):
        enqueue(fn, *args)


def queue_invitation(signer: ProcedureSigner) -> None:
    """Email the signer their link once the current transaction commits."""
    from portal.core.signatures import jobs

    if signer.id is None:
        db.session.flush()
    _enqueue(signer.tenant_id, jobs.send_invitation, signer.id)


def queue_reminder(signer: ProcedureSigner, key: str) -> None:
    """Remind the signer before the deadline (once per ``key``, e.g. ``"24h"``)."""
    from portal.core.signatures import jobs

    _enqueue(signer.tenant_id, jobs.send_reminder, signer.id, key)


def notify_agent(
    procedure: SignatureProcedure,
    what: str,
    signer: ProcedureSigner | None = None,
    *,
    refunded: bool = False,
) -> None:
    """Email the agent who asked about ``what`` happened (``bounced``, ``declined``,
    ``expired``, ``signed``) once the current transaction commits; ``signer`` is the one who
    bounced or declined; ``refunded``: the price was given back."""
    from portal.core.signatures import jobs

    if what not in AGENT_NOTICES:
        raise ValueError(f"notify_agent: unknown notice {what!r}")
    if what == "signed" and _agent_signed_alone(procedure):
        return  # the agent signed it themselves (the platform mandate): they saw it done
    _enqueue(
        procedure.tenant_id,
        jobs.send_agent_notice,
        procedure.id,
        what,
        signer.id if signer is not None else None,
        refunded,
    )


# --- Sending (inside the jobs) ---------------------------------------------------------------


def _signer_context(signer: ProcedureSigner, tenant) -> dict:
    from portal.core.signatures import operations, rules
    from portal.core.signatures.providers.base import DocumentRole

    procedure = signer.procedure
    with tenant_rendering(tenant, procedure.locale):
        link = operations.signer_url(signer)
        deadline = deadline_text(procedure, tenant)
    return {
        "signer_name": signer.full_name,
        "requester": requester_name(procedure),
        "title": procedure.title,
        "reference": procedure.reference,
        "to_sign": [d.title for d in procedure.documents if d.role == DocumentRole.SIGN],
        "to_read": [d.title for d in procedure.documents if d.role == DocumentRole.READ],
        "deadline": deadline,
        "link": link,
        "masked_mobile": rules.mask_mobile(signer.mobile),
        "identity_document": procedure.require_identity_document,
    }


def _may_write_to(signer: ProcedureSigner | None) -> bool:
    return (
        signer is not None
        and signer.procedure.state == ProcedureState.ONGOING
        and signer.state in PENDING_SIGNER_STATES
    )


def _send_to_signer(signer, template: str, subject: str, context: dict, tenant) -> bool:
    """Send; on a bounce record it (once), tell the agent and return False."""
    message = compose_email(
        tenant,
        template,
        to=signer.email,
        subject=subject,
        context=context,
        locale=signer.procedure.locale,
    )
    try:
        send_email(message)
    except MailBounced as exc:
        bounced(signer, reason=exc.reason)
        return False
    return True


def bounced(signer: ProcedureSigner, *, reason: str = "") -> None:
    """The signer's address refused the email for good: recorded on the signer and in the
    history, and the agent is told, once (a later bounce is only logged)."""
    log.warning("signature %s: %s bounced", signer.procedure.reference, signer.email)
    if signer.invitation_bounced_at is not None:
        return
    signer.invitation_bounced_at = clock.now()
    _event(signer, "invitation_bounced", email=signer.email, reason=reason[:300])
    notify_agent(signer.procedure, BOUNCED, signer)


def deliver_invitation(signer: ProcedureSigner | None) -> bool:
    """Email the signer their invitation: who asks, what to sign, before when, the link, the
    SMS code to come. Nothing for a signer whose procedure or turn is over. True if sent."""
    if not _may_write_to(signer):
        return False
    procedure = signer.procedure
    tenant = tenant_directory().by_id(procedure.tenant_id)
    context = _signer_context(signer, tenant)
    with force_locale(procedure.locale):
        subject = _("Signature électronique : %(title)s", title=procedure.title)
    return _send_to_signer(signer, "signature_invitation", subject, context, tenant)


def deliver_reminder(signer: ProcedureSigner | None, key: str) -> bool:
    """Remind the signer that the deadline is near, once per ``key``; recorded (``reminded``)
    in ``reminders_sent`` and the history. True if sent."""
    if not _may_write_to(signer) or key in (signer.reminders_sent or []):
        return False
    if signer.invitation_bounced_at is not None:
        return False  # the agent knows this address does not work
    procedure = signer.procedure
    tenant = tenant_directory().by_id(procedure.tenant_id)
    context = _signer_context(signer, tenant)
    with force_locale(procedure.locale):
        subject = _("Rappel : signature électronique : %(title)s", title=procedure.title)
    # Marked first: a bounce is not retried either.
    signer.reminders_sent = [*(signer.reminders_sent or []), key]
    sent = _send_to_signer(signer, "signature_reminder", subject, context, tenant)
    if sent:
        _event(signer, "reminded", key=key)
    return sent


def _agent_subject(what: str, procedure, signer) -> str:
    if what == BOUNCED:
        return _("L'invitation à signer n'a pas pu être remise à %(email)s", email=signer.email)
    if what == DECLINED:
        name = signer.full_name if signer is not None else _("Un signataire")
        return _("%(name)s a refusé de signer : %(title)s", name=name, title=procedure.title)
    if what == EXPIRED:
        return _("Signature non aboutie, délai dépassé : %(title)s", title=procedure.title)
    return _("Signature terminée : %(title)s", title=procedure.title)


def deliver_agent_notice(
    procedure: SignatureProcedure | None,
    what: str,
    signer: ProcedureSigner | None = None,
    *,
    refunded: bool = False,
) -> bool:
    """Email the agent about ``what`` (see :func:`notify_agent`). True if sent."""
    if procedure is None:
        return False
    if signer is None and what == DECLINED:
        signer = next((s for s in procedure.signers if s.state == SignerState.DECLINED), None)
    if signer is None and what == BOUNCED:
        return False
    tenant = tenant_directory().by_id(procedure.tenant_id)
    to, name = agent_address(procedure)
    locale = tenant.config.default_locale
    with tenant_rendering(tenant, locale):
        subject = _agent_subject(what, procedure, signer)
        deadline = deadline_text(procedure, tenant)
    unsigned = [s.full_name for s in procedure.signers if s.state != SignerState.SIGNED]
    message = compose_email(
        tenant,
        "signature_agent_notice",
        to=to,
        subject=subject,
        locale=locale,
        context={
            "what": what,
            "agent_name": name,
            "title": procedure.title,
            "reference": procedure.reference,
            "deadline": deadline,
            "signer_name": signer.full_name if signer is not None else "",
            "signer_email": signer.email if signer is not None else "",
            "reason": (signer.decline_reason or "") if signer is not None else "",
            "unsigned": unsigned,
            "refunded": refunded,
        },
    )
    try:
        send_email(message)
    except MailBounced:
        # Nobody left to tell: the procedure's page shows what happened.
        log.warning("signature %s: the agent's address %s bounced", procedure.reference, to)
        return False
    return True
