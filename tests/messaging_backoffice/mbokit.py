"""Helpers of the operators' inbox tests: conversations started through the core operations,
operators logged in through the back office's real login (password, then TOTP code), the pages'
forms, the development mailbox."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta

from bokit import BACKOFFICE, PASSWORD, csrf_token, make_account, post_form, unique_email
from sqlalchemy import select
from webkit import PDF_BYTES, text_of

from portal.core.accounts.models import Account, Profile
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import create_staff

__all__ = ["BACKOFFICE", "PDF_BYTES", "csrf_token", "post_form", "text_of"]

INBOX = "/backoffice/messagerie"
FAMILY_PATH = ("famille", "allocations-familiales", "changement-situation")
BODY = "Bonjour, ma situation familiale a changé le mois dernier : que dois-je faire ?"
REPLY_SUBJECT = "Une réponse à votre message vous attend"


@dataclass
class Started:
    """A conversation started by an account's holder."""

    id: int
    tenant_id: int
    slug: str
    account_id: int
    email: str
    number: int = 0  # within the tenant

    @property
    def reference(self) -> str:
        return f"M-{self.number:06d}"

    @property
    def url(self) -> str:
        return f"{INBOX}/{self.slug}/{self.id}"


def start(
    app,
    tenant_ids,
    slug: str = "msr",
    codes=FAMILY_PATH,
    *,
    body: str = BODY,
    kind: str = "message",
    commercial_name: str = "Famille Durand",
    uploads=(),
) -> Started:
    """A new account of ``slug`` writes about ``codes`` (``operations.start_conversation``)."""
    from portal.core.messaging import operations, taxonomy
    from portal.core.messaging.models import ConversationKind
    from portal.core.tenants import tenant_directory

    email = unique_email("membre")
    with app.app_context():
        account_id = make_account(tenant_ids[slug], email=email, commercial_name=commercial_name)
    with app.app_context(), tenant_scope(tenant_ids[slug]):
        tenant = tenant_directory().get(tenant_ids[slug])
        account = db.session.get(Account, account_id)
        profile = db.session.scalar(select(Profile).where(Profile.account_id == account_id))
        themes = taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, account))
        selection = taxonomy.select_path(themes, codes)
        assert selection is not None and selection.complete, codes
        conversation = operations.start_conversation(
            tenant,
            account,
            profile,
            kind=ConversationKind(kind),
            selection=selection,
            body=body,
            uploads=[operations.Upload(io.BytesIO(data), name) for name, data in uploads],
        )
        db.session.commit()
        return Started(conversation.id, tenant.id, slug, account_id, email, conversation.number)


def start_contact(app, tenant_ids, slug: str = "msr") -> Started:
    from portal.core.messaging import operations
    from portal.core.tenants import tenant_directory

    email = unique_email("visiteur")
    with app.app_context(), tenant_scope(tenant_ids[slug]):
        conversation = operations.start_contact(
            tenant_directory().get(tenant_ids[slug]),
            name="Claire Visiteuse",
            email=email,
            subject="Horaires d'ouverture",
            body="Bonjour, quels sont vos horaires d'ouverture au public ?",
        )
        db.session.commit()
        return Started(conversation.id, tenant_ids[slug], slug, 0, email, conversation.number)


def waiting_since(app, started: Started, waited: timedelta) -> None:
    """Make the user of ``started`` wait for ``waited`` already."""
    from portal.core.messaging import operations
    from portal.core.messaging.models import Conversation

    with app.app_context(), tenant_scope(started.tenant_id):
        conversation = db.session.get(Conversation, started.id)
        conversation.awaiting_since = operations.now() - waited
        db.session.commit()


def conversation_state(app, started: Started) -> dict:
    from portal.core.messaging import operations
    from portal.core.messaging.models import Conversation

    with app.app_context(), tenant_scope(started.tenant_id):
        conversation = db.session.get(Conversation, started.id)
        return {
            "state": conversation.state.value,
            "assigned": conversation.assigned_staff_id,
            "bodies": [m.body for m in conversation.messages],
            "user_sees": [m.body for m in operations.visible_messages(conversation, staff=False)],
            "attachments": [
                (a.id, a.filename) for m in conversation.messages for a in m.attachments
            ],
        }


@dataclass
class Operator:
    client: object
    staff_id: int
    name: str


def log_in(app, client_for, name: str = "Opératrice Support") -> Operator:
    """An operator through the real login: password, then the code of their authenticator."""
    import pyotp

    staff = create_staff(app, name=name, email=unique_email("operatrice"))
    client = client_for(BACKOFFICE)
    page = client.get("/backoffice/connexion")
    response = client.post(
        "/backoffice/connexion",
        data={"csrf_token": csrf_token(page.text), "email": staff.email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.text
    page = client.get("/backoffice/connexion/code")
    response = client.post(
        "/backoffice/connexion/code",
        data={"csrf_token": csrf_token(page.text), "code": pyotp.TOTP(staff.totp_secret).now()},
    )
    assert response.status_code == 302, response.text
    return Operator(client, staff.id, name)


def field_error(page: str, field_id: str) -> str:
    """The error shown next to the form field ``field_id`` ('' when none)."""
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else ""


def listed(client, slug: str, **filters) -> list[int]:
    """The conversation ids the inbox of ``slug`` lists with ``filters``, in order."""
    response = client.get(f"{INBOX}/{slug}", query_string=filters)
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-conversation="(\d+)"', response.text)]


def emails_to(app, tenant_id: int, address: str, subject: str | None = None) -> list:
    """Emails of the development mailbox to ``address``, once every queued job has run."""
    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = [
            row
            for row in db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
            if subject is None or row.subject == subject
        ]
        db.session.expunge_all()
        return rows
