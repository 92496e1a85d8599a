"""One conversation in the back office: the user, the thread with the internal notes, and the
operators' actions, each a form posted to its own URL (then back to the page)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.accounts.models import Account, Profile
from portal.core.backoffice import current_staff
from portal.core.backoffice.models import StaffUser
from portal.core.messaging import answers, operations, rules
from portal.core.messaging.backoffice.common import (
    conversation_or_404,
    page_context,
    tenant_or_404,
)
from portal.core.messaging.backoffice_forms import (
    AssignForm,
    NoteForm,
    OperatorReplyForm,
)
from portal.core.messaging.models import Attachment, Author, ConversationState
from portal.core.storage import send_stored_file
from portal.core.tenants import tenant_scope
from portal.extensions import db


def _load(tenant_slug: str, conversation_id: int):
    tenant = tenant_or_404(tenant_slug)
    return tenant, conversation_or_404(tenant, conversation_id)


def _back(tenant, conversation):
    return redirect(
        url_for(
            "backoffice.messaging_conversation",
            tenant_slug=tenant.slug,
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


def _page(tenant, conversation, *, reply_form=None, note_form=None, assign_form=None):
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
        tenant=tenant,
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


def show(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    page = _page(tenant, conversation)  # before: the page marks what is new since last time
    with tenant_scope(tenant.id):
        answers.mark_seen_by_staff(conversation)
        db.session.commit()
    return page


def _show_error(form, exc: operations.MessagingError) -> None:
    field = form._fields.get(exc.field) or form.body
    field.errors = [*field.errors, exc.message]


def reply(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    # The forms only parse (CSRFProtect checked the token for the whole app): the operation
    # judges the text and the files.
    form = OperatorReplyForm(prefix="reply")
    # A visitor reads the reply in an email: no attachment for them (the form offers none).
    files = (form.files.data or []) if conversation.account_id else []
    uploads = [operations.Upload(f.stream, f.filename) for f in files if f and f.filename]
    try:
        with tenant_scope(tenant.id):
            answers.reply_as_operator(
                tenant, conversation, current_staff(), form.body.data, uploads
            )
            db.session.commit()
    except operations.MessagingError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return _page(tenant, conversation, reply_form=form)
    flash(_("Réponse envoyée ; l'utilisateur est prévenu par e-mail."), "success")
    return _back(tenant, conversation)


def note(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    form = NoteForm(prefix="note")
    try:
        with tenant_scope(tenant.id):
            answers.add_note(conversation, current_staff(), form.body.data)
            db.session.commit()
    except operations.MessagingError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return _page(tenant, conversation, note_form=form)
    flash(_("Note interne ajoutée."), "success")
    return _back(tenant, conversation)


def assign(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    form = _assign_form(conversation, AssignForm(prefix="assign"))
    staff = current_staff()
    if request.form.get("me"):
        assignee = staff
    elif form.assignee.data:
        assignee = next((s for s in _operators() if str(s.id) == form.assignee.data), None)
        if assignee is None:
            form.assignee.errors = [_("Choisissez un opérateur de la liste.")]
            return _page(tenant, conversation, assign_form=form)
    else:
        assignee = None
    with tenant_scope(tenant.id):
        answers.assign(conversation, assignee, staff)
        db.session.commit()
    if assignee is None:
        flash(_("La conversation n'est plus attribuée."), "success")
    else:
        flash(_("Conversation attribuée à %(name)s.", name=assignee.name), "success")
    return _back(tenant, conversation)


def close(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    if conversation.state == ConversationState.CLOSED:
        flash(_("Cette conversation est déjà clôturée."), "info")
        return _back(tenant, conversation)
    with tenant_scope(tenant.id):
        answers.close(conversation, current_staff())
        db.session.commit()
    flash(_("Conversation clôturée."), "success")
    return _back(tenant, conversation)


def reopen(tenant_slug: str, conversation_id: int):
    tenant, conversation = _load(tenant_slug, conversation_id)
    if conversation.state != ConversationState.CLOSED:
        flash(_("Cette conversation est déjà ouverte."), "info")
        return _back(tenant, conversation)
    with tenant_scope(tenant.id):
        answers.reopen(conversation, current_staff())
        db.session.commit()
    flash(_("Conversation rouverte : elle est de nouveau à traiter."), "success")
    return _back(tenant, conversation)


def attachment(tenant_slug: str, attachment_id: int):
    """A file of one of the tenant's conversations (a deposit not sent yet is not one)."""
    tenant = tenant_or_404(tenant_slug)
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.tenant_id != tenant.id or found.message_id is None:
        abort(404)
    return send_stored_file(
        found.storage_key, download_name=found.filename, mimetype=found.content_type
    )
