"""One conversation in the back office: the user, the thread with the internal notes, and the
operators' actions, each a form posted to its own URL (then back to the page)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.accounts.models import Account, Profile
from portal.core.backoffice import current_staff, picked_tenant
from portal.core.backoffice.models import StaffUser
from portal.core.messaging import answers, operations, rules
from portal.core.messaging.backoffice.common import page_context
from portal.core.messaging.backoffice_forms import (
    AssignForm,
    NoteForm,
    OperatorReplyForm,
)
from portal.core.messaging.models import Attachment, Author, Conversation, ConversationState
from portal.core.storage import send_stored_file
from portal.core.tenants import CurrentTenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

# The URL names the tenant (the pipeline works in its scope) and one of its conversations.
ONE_CONVERSATION = {"conversation_id": Conversation}


def _back(conversation):
    return redirect(
        url_for(
            "backoffice.messaging_conversation",
            tenant_slug=picked_tenant().slug,
            conversation_id=conversation.id,
        )
    )


def _operators() -> list[StaffUser]:
    return list(
        db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
        )
    )


def _assign_form(conversation, form: AssignForm | None = None) -> AssignForm:
    if form is None:
        form = AssignForm(
            prefix="assign",
            data={"assignee": str(conversation.assigned_staff_id or "")},
        )
    form.assignee.choices = [("", _("Non attribuée"))] + [
        (str(staff.id), f"{staff.name} ({staff.email})") for staff in _operators()
    ]
    return form


def _page(conversation, *, reply_form=None, note_form=None, assign_form=None):
    messages = operations.visible_messages(conversation, staff=True)
    profile_ids = {m.profile_id for m in messages if m.profile_id} | {conversation.profile_id}
    profile_ids.discard(None)
    profiles = (
        {p.id: p for p in db.session.scalars(select(Profile).where(Profile.id.in_(profile_ids)))}
        if profile_ids
        else {}
    )
    seen = conversation.staff_seen_at
    return render_template(
        "backoffice/messaging/conversation.html",
        tenant=picked_tenant(),
        conversation=conversation,
        account=db.session.get(Account, conversation.account_id)
        if conversation.account_id
        else None,
        writer=profiles.get(conversation.profile_id),
        messages=messages,
        profiles=profiles,
        operators={s.id: s for s in db.session.scalars(select(StaffUser))},
        # What the user wrote since an operator last opened it.
        new_ids={
            m.id
            for m in messages
            if m.author == Author.USER and (seen is None or m.created_at > seen)
        },
        waited=rules.waiting_for(conversation.awaiting_since, operations.now()),
        reply_form=reply_form or OperatorReplyForm(prefix="reply"),
        note_form=note_form or NoteForm(prefix="note"),
        assign_form=_assign_form(conversation, assign_form),
        **page_context(),
    )


@handler(Access.STAFF, load=ONE_CONVERSATION)
def show(tenant: CurrentTenant, conversation: Conversation):
    page = _page(conversation)  # before: the page marks what is new since last time
    answers.mark_seen_by_staff(conversation)
    return page


def _show_error(form, exc: operations.MessagingError) -> None:
    field = form._fields.get(exc.field) or form.body
    field.errors = [*field.errors, exc.message]


@handler(Access.STAFF, load=ONE_CONVERSATION)
def reply(tenant: CurrentTenant, conversation: Conversation):
    # The forms only parse (CSRFProtect checked the token for the whole app): the operation
    # judges the text and the files.
    form = OperatorReplyForm(prefix="reply")
    # A visitor reads the reply in an email: no attachment for them (the form offers none).
    files = (form.files.data or []) if conversation.account_id else []
    uploads = [operations.Upload(f.stream, f.filename) for f in files if f and f.filename]
    try:
        with db.session.begin_nested():
            answers.reply_as_operator(
                tenant, conversation, current_staff(), form.body.data, uploads
            )
    except operations.MessagingError as exc:
        _show_error(form, exc)
        return _page(conversation, reply_form=form)
    flash(_("Réponse envoyée ; l'utilisateur est prévenu par e-mail."), "success")
    return _back(conversation)


@handler(Access.STAFF, load=ONE_CONVERSATION)
def note(tenant: CurrentTenant, conversation: Conversation):
    form = NoteForm(prefix="note")
    try:
        with db.session.begin_nested():
            answers.add_note(conversation, current_staff(), form.body.data)
    except operations.MessagingError as exc:
        _show_error(form, exc)
        return _page(conversation, note_form=form)
    flash(_("Note interne ajoutée."), "success")
    return _back(conversation)


@handler(Access.STAFF, load=ONE_CONVERSATION)
def assign(tenant: CurrentTenant, conversation: Conversation):
    form = _assign_form(conversation, AssignForm(prefix="assign"))
    staff = current_staff()
    if request.form.get("me"):
        assignee = staff
    elif form.assignee.data:
        assignee = next((s for s in _operators() if str(s.id) == form.assignee.data), None)
        if assignee is None:
            form.assignee.errors = [_("Choisissez un opérateur de la liste.")]
            return _page(conversation, assign_form=form)
    else:
        assignee = None
    answers.assign(conversation, assignee, staff)
    if assignee is None:
        flash(_("La conversation n'est plus attribuée."), "success")
    else:
        flash(_("Conversation attribuée à %(name)s.", name=assignee.name), "success")
    return _back(conversation)


@handler(Access.STAFF, load=ONE_CONVERSATION)
def close(tenant: CurrentTenant, conversation: Conversation):
    if conversation.state == ConversationState.CLOSED:
        flash(_("Cette conversation est déjà clôturée."), "info")
        return _back(conversation)
    answers.close(conversation, current_staff())
    flash(_("Conversation clôturée."), "success")
    return _back(conversation)


@handler(Access.STAFF, load=ONE_CONVERSATION)
def reopen(tenant: CurrentTenant, conversation: Conversation):
    if conversation.state != ConversationState.CLOSED:
        flash(_("Cette conversation est déjà ouverte."), "info")
        return _back(conversation)
    answers.reopen(conversation, current_staff())
    flash(_("Conversation rouverte : elle est de nouveau à traiter."), "success")
    return _back(conversation)


@handler(Access.STAFF, load={"attachment_id": Attachment})
def attachment(tenant: CurrentTenant, attachment: Attachment):
    """A file of one of the tenant's conversations (a deposit not sent yet is not one)."""
    if attachment.message_id is None:
        abort(404)
    return send_stored_file(
        attachment.storage_key, download_name=attachment.filename, mimetype=attachment.content_type
    )
