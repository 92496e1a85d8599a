"""The operators' inbox in the back office (« Messagerie »): every tenant's counts, one tenant's
conversations with filters, one conversation with its thread, reply, internal notes, assignment,
closing and its attachments.

A tenant's pages name it in their URL (``<tenant_slug>``): they run in that tenant's scope, so a
conversation or attachment of another tenant answers 404.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.backoffice import BackofficeMenuItem, BackofficePage
from portal.core.plugins import hookimpl


@hookimpl
def backoffice_pages():
    from portal.core.messaging.backoffice import conversation, inbox

    post = ("POST",)
    base = "/messagerie/<tenant_slug>"
    one = base + "/<int:conversation_id>"
    return [
        BackofficePage("/messagerie", "messaging_inbox_tenants", inbox.tenants),
        BackofficePage(base, "messaging_inbox", inbox.inbox),
        BackofficePage(one, "messaging_conversation", conversation.show),
        BackofficePage(one + "/repondre", "messaging_reply", conversation.reply, post),
        BackofficePage(one + "/note", "messaging_note", conversation.note, post),
        BackofficePage(one + "/attribuer", "messaging_assign", conversation.assign, post),
        BackofficePage(one + "/cloturer", "messaging_close", conversation.close, post),
        BackofficePage(one + "/rouvrir", "messaging_reopen", conversation.reopen, post),
        BackofficePage(
            base + "/pieces-jointes/<int:attachment_id>",
            "messaging_attachment",
            conversation.attachment,
        ),
    ]


@hookimpl
def backoffice_menu_items():
    return [BackofficeMenuItem(_l("Messagerie"), "messaging_inbox_tenants", order=25)]
