"""Sending a branded email from a background job, after the request's transaction commits."""

from __future__ import annotations

import logging

from portal.core.jobs import enqueue, job
from portal.core.mail.compose import compose_email
from portal.core.mail.transport import MailBounced
from portal.core.tenants import tenant_directory

log = logging.getLogger(__name__)


@job(queue="mail")
def deliver_email(tenant_id, template, to, subject, context, locale):
    """Render ``mail/<template>`` for the tenant and hand it to the transport.

    ``subject`` is a French source string translated in ``locale``. Links in ``context`` are
    absolute URLs computed by the request that asked for the email (the host the user is on).
    A recipient refused for good is logged, not retried: retrying would never reach them.
    """
    from portal.core.mail import send_email

    tenant = tenant_directory().get(tenant_id)
    message = compose_email(
        tenant, template, to=to, subject=_Msgid(subject), context=context, locale=locale
    )
    try:
        send_email(message)
    except MailBounced as exc:
        log.warning("email %r to %s bounced: %s", template, exc.recipients, exc.reason)


def queue_email(template: str, *, to: str, subject: str, locale: str | None = None, **context):
    """Send ``mail/<template>`` to ``to`` once the current transaction commits.

    Call inside a request or a job, with the tenant active; ``subject`` is a French source
    string marked with ``gettext_noop``-style ``N_()`` so it is extracted for translation.
    """
    from flask_babel import get_locale

    enqueue(deliver_email, template, to, subject, context, locale or str(get_locale()))


class _Msgid(str):
    """A subject translated lazily, in the email's language, by compose_email."""

    def __str__(self) -> str:
        from flask_babel import gettext

        return gettext(str.__str__(self))
