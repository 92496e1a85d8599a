"""Hook implementations of the messaging module (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def register_models():
    from portal.core.messaging.models import Attachment, Conversation, Message

    return [Conversation, Message, Attachment]


@hookimpl
def register_jobs():
    from portal.core.messaging.notifications import send_acknowledgement_sms

    return [send_acknowledgement_sms]


@hookimpl
def main_menu_items(tenant):
    """« Aide » (help request and follow-up) for a logged-in account, where the tenant has it."""
    from portal.core.accounts.session import current_account

    from flask import current_app

    if "messaging.help_requests" not in current_app.view_functions:  # views being written
        return []
    if current_account() is None or not tenant.config.messaging.help_requests:
        return []
    return [NavItem(label=_l("Aide"), endpoint="messaging.help_requests", order=900)]
