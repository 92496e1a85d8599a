"""« Nous contacter »: the visitors' contact form (footer of every page). No account needed; the
message lands in the operators' inbox and the visitor gets the answer by email."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.accounts.session import current_account, current_profile
from portal.core.messaging import operations, views
from portal.core.messaging.forms import ContactForm
from portal.core.messaging.models import ConversationKind
from portal.core.messaging.notifications import reference
from portal.core.messaging.pages import conversations_page
from portal.core.ratelimit import client_ip, limiter
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

# Contact messages actually sent from one address to one tenant (a refused form costs nothing).
CONTACT_PER_IP = "5 per minute;30 per hour"
CONTACT_SESSION_KEY = "messaging_contact_sent"


def _contact_sent(response) -> bool:
    return response.status_code in (302, 303)


def _contact_key() -> str:
    return f"{current_tenant().id}:contact:{client_ip()}"


def _help_url() -> str | None:
    """Where a logged-in user asks for help instead (their request is then tied to the account)."""
    if current_account() is None:
        return None
    if current_tenant().config.messaging.help_requests:
        return url_for("messaging.new_help_request")
    return conversations_page(ConversationKind.MESSAGE)


@handler(Access.ANONYMOUS)
@limiter.limit(CONTACT_PER_IP, key_func=_contact_key, methods=["POST"], deduct_when=_contact_sent)
def form():
    tenant = current_tenant()
    profile = current_profile()
    account = current_account()
    data = {}
    if profile is not None:
        data = {"name": profile.name, "email": profile.email}
    elif account is not None:
        data = {"name": account.holder_name, "email": account.email}
    form = ContactForm(data=data)
    if request.method == "POST":
        valid = form.validate()
        if views.body_fits(form, ConversationKind.CONTACT) and valid:
            conversation = operations.start_contact(
                tenant,
                name=form.name.data,
                email=form.email.data,
                subject=form.subject.data,
                body=form.body.data,
                locale=str(get_locale()),
            )
            session[CONTACT_SESSION_KEY] = {
                "reference": reference(conversation),
                "email": conversation.visitor_email,
            }
            return redirect(url_for(".sent"))
    min_chars, max_chars = tenant.config.messaging.body_length(ConversationKind.CONTACT)
    return render_template(
        "messaging/contact.html",
        form=form,
        help_url=_help_url(),
        min_chars=min_chars,
        max_chars=max_chars,
    )


@handler(Access.ANONYMOUS)
def sent():
    sent = session.get(CONTACT_SESSION_KEY)
    if not sent:
        return redirect(url_for(".form"))
    return render_template("messaging/contact_sent.html", sent=sent)


def too_many_messages(error):
    """429 from the limiter: the form stays reachable, with a clear message."""
    message = _("Vous avez envoyé plusieurs messages en peu de temps : réessayez plus tard.")
    return render_template("messaging/too_many.html", message=message), 429
