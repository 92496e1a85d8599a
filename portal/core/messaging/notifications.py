"""What tells the user about their conversation: an acknowledgement by email and SMS
when they write, an email when an operator replies. All go through jobs queued in the action's
transaction, in the language the user wrote in, branded for the conversation's tenant."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from portal.core.i18n import N_, force_locale
from portal.core.jobs import enqueue, job
from portal.core.mail.jobs import queue_email
from portal.core.tenants import tenant_scope

log = logging.getLogger(__name__)


def _recipient(conversation, profile=None) -> tuple[str | None, str]:
    """The address and name to write to: the visitor, the profile that wrote, or the holder."""
    from portal.core.accounts.models import Account, Profile
    from portal.extensions import db

    if conversation.account_id is None:
        return conversation.visitor_email, conversation.visitor_name or ""
    if profile is None and conversation.profile_id:
        profile = db.session.get(Profile, conversation.profile_id)
    if profile is not None and profile.active:
        return profile.email, profile.name
    account = db.session.get(Account, conversation.account_id)
    return account.email, account.holder_name


def _context(conversation) -> dict:
    return {
        "conversation_id": conversation.id,
        "reference": reference(conversation),
        "subject_line": conversation.subject,
        "is_visitor": conversation.account_id is None,
    }


def reference(conversation) -> str:
    """The number a user quotes about a conversation, e.g. ``M-000042``: its number within the
    tenant (see ``operations.take_number``), never the global id."""
    return f"M-{conversation.number:06d}"


def acknowledge(conversation, profile) -> None:
    """The user wrote: an acknowledgement email, and an SMS when the profile has a mobile."""
    to, name = _recipient(conversation, profile)
    with tenant_scope(conversation.tenant_id):
        if to:
            queue_email(
                "messaging_received",
                to=to,
                subject=N_("Nous avons bien reçu votre message"),
                locale=conversation.locale,
                name=name,
                **_context(conversation),
            )
        if profile is not None and profile.mobile:
            enqueue(send_acknowledgement_sms, conversation.id)


def reply_arrived(conversation, message) -> None:
    """An operator replied: an email to the user (a visitor gets the reply itself)."""
    to, name = _recipient(conversation)
    if not to:
        return
    with tenant_scope(conversation.tenant_id):
        queue_email(
            "messaging_reply",
            to=to,
            subject=N_("Une réponse à votre message vous attend"),
            locale=conversation.locale,
            name=name,
            reply=message.body if conversation.account_id is None else None,
            **_context(conversation),
        )


@job(queue="mail")
def send_acknowledgement_sms(tenant_id, conversation_id):
    """The acknowledgement SMS to the profile's mobile after a message is sent. A number that is
    not a French mobile is skipped (the email was sent anyway)."""
    from portal.core.accounts.models import Profile
    from portal.core.messaging.models import Conversation
    from portal.core.sms import InvalidPhoneNumber, send_sms
    from portal.core.tenants import tenant_directory
    from portal.extensions import db

    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.profile_id is None:
        return
    profile = db.session.get(Profile, conversation.profile_id)
    if profile is None or not profile.mobile:
        return
    tenant = tenant_directory().get(tenant_id)
    with force_locale(conversation.locale):
        text = _(
            "%(tenant)s : nous avons bien reçu votre message %(reference)s. Vous serez prévenu "
            "par e-mail de notre réponse.",
            tenant=tenant.name,
            reference=reference(conversation),
        )
    try:
        send_sms(profile.mobile, text)
    except InvalidPhoneNumber:
        log.info(
            "conversation %s: %r is not a mobile number, no SMS", conversation_id, profile.mobile
        )
