"""Helpers of the messaging tests: help requests, conversations as plain data, operators'
replies; accounts, sessions and forms come from ``portal.testing``."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import select
from webkit import PDF_BYTES, devbox, text_of  # noqa: F401 - re-exported

from portal.core.accounts.models import Account, Profile
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import AccountRef, create_account, create_staff  # noqa: F401
from portal.testing.web import csrf_token, logged_in, post_form  # noqa: F401 - re-exported

NEW = "/messagerie/aide/nouvelle"
LIST = "/messagerie/aide/demandes"
CONTACT = "/contact"
BODY = "Bonjour, je voudrais modifier l'adresse de mon agence, merci."


def send_help_request(
    client, subject: str = "mon-compte/modifier-informations", body=BODY, **files
):
    data = {"subject": subject, "body": body, **files}
    return post_form(client, NEW, data, content_type="multipart/form-data")


def pdf_file(name: str = "kbis.pdf", data: bytes = PDF_BYTES):
    return (io.BytesIO(data), name)


def field_error(page: str, field: str) -> str:
    """The error shown next to the form field ``field`` ('' when none)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else ""


def conversations(app, tenant_id: int, account_id: int | None) -> list[dict]:
    """The account's conversations (the visitors' when ``account_id`` is None), oldest first."""
    from portal.core.messaging.models import Conversation

    with app.app_context(), tenant_scope(tenant_id):
        rows = db.session.scalars(
            select(Conversation)
            .where(
                Conversation.account_id.is_(None)
                if account_id is None
                else Conversation.account_id == account_id
            )
            .order_by(Conversation.id)
        )
        return [
            {
                "id": row.id,
                "reference": f"M-{row.number:06d}",
                "kind": row.kind.value,
                "state": row.state.value,
                "codes": (row.theme_code, row.topic_code, row.reason_code),
                "subject": row.subject,
                "hidden": row.hidden,
                "visitor": (row.visitor_name, row.visitor_email),
                "bodies": [m.body for m in row.messages],
                "attachments": [
                    (a.id, a.filename, a.content_type, a.storage_key)
                    for m in row.messages
                    for a in m.attachments
                ],
            }
            for row in rows
        ]


def start_help(app, user: AccountRef, body: str = BODY, codes=("autre",), uploads=()) -> int:
    """A help request of ``user`` made through the core's operation; returns its id."""
    from portal.core.messaging import operations, taxonomy
    from portal.core.messaging.models import ConversationKind
    from portal.core.tenants import tenant_directory

    with app.app_context(), tenant_scope(user.tenant_id):
        tenant = tenant_directory().get(user.tenant_id)
        account = db.session.get(Account, user.id)
        profile = db.session.get(Profile, user.holder_profile_id)
        themes = taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, account))
        conversation = operations.start_conversation(
            tenant,
            account,
            profile,
            kind=ConversationKind.HELP,
            selection=taxonomy.select_path(themes, codes),
            body=body,
            uploads=[operations.Upload(io.BytesIO(data), name) for name, data in uploads],
        )
        db.session.commit()
        return conversation.id


def operator_reply(app, tenant_id: int, conversation_id: int, staff_id: int, body: str) -> None:
    from portal.core.backoffice.models import StaffUser
    from portal.core.messaging import answers
    from portal.core.messaging.models import Conversation
    from portal.core.tenants import tenant_directory

    with app.app_context(), tenant_scope(tenant_id):
        conversation = db.session.get(Conversation, conversation_id)
        staff = db.session.get(StaffUser, staff_id)
        answers.reply_as_operator(tenant_directory().get(tenant_id), conversation, staff, body)
        db.session.commit()


def reference_of(app, conversation_id: int) -> str:
    """The reference users see for a conversation (its number within its tenant)."""
    from portal.core.messaging.models import Conversation
    from portal.core.messaging.notifications import reference
    from portal.core.tenants import unscoped

    with app.app_context(), unscoped():
        return reference(db.session.get(Conversation, conversation_id))
