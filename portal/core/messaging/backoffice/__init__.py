"""The operators' inbox in the back office (« Messagerie »): every tenant's counts, one tenant's
conversations with filters, one conversation with its thread, reply, internal notes, assignment,
closing and its attachments.

Pages run unscoped behind ``staff_required``; a conversation is reached through its tenant's slug
(an id of another tenant answers 404) and every change runs in ``tenant_scope`` of that tenant.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.backoffice import register_page, staff_required


def register_backoffice_pages() -> None:
    """Add the inbox pages to the back office (idempotent: ``register_page`` is)."""
    from portal.core.messaging.backoffice import conversation, inbox

    staff = staff_required()
    post = ("POST",)
    base = "/messagerie/<tenant_slug>"
    one = base + "/<int:conversation_id>"
    register_page(
        "/messagerie",
        "messaging_inbox_tenants",
        staff(inbox.tenants),
        label=_l("Messagerie"),
        order=25,
    )
    register_page(base, "messaging_inbox", staff(inbox.inbox))
    register_page(one, "messaging_conversation", staff(conversation.show))
    register_page(one + "/repondre", "messaging_reply", staff(conversation.reply), methods=post)
    register_page(one + "/note", "messaging_note", staff(conversation.note), methods=post)
    register_page(one + "/attribuer", "messaging_assign", staff(conversation.assign), methods=post)
    register_page(one + "/cloturer", "messaging_close", staff(conversation.close), methods=post)
    register_page(one + "/rouvrir", "messaging_reopen", staff(conversation.reopen), methods=post)
    register_page(
        base + "/pieces-jointes/<int:attachment_id>",
        "messaging_attachment",
        staff(conversation.attachment),
    )
