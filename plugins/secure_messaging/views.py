"""Request handlers of « Ma messagerie »: the home page with past conversations and the messages
being written, the confirmation, and the document deposit. The message itself is written on the
core's wizard (:mod:`plugins.secure_messaging.compose`). Views parse, call
``portal.core.messaging`` and render or redirect; every page works without JavaScript.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from plugins.secure_messaging import forms
from plugins.secure_messaging.compose import LEGENDS, compose
from plugins.secure_messaging.i18n import _
from portal.core.accounts.models import Profile
from portal.core.accounts.session import current_account, current_profile
from portal.core.messaging import deposit as deposits
from portal.core.messaging import display, operations
from portal.core.messaging.models import Attachment, Conversation, ConversationKind
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PAGE_SIZE = 10
LISTED_KINDS = (ConversationKind.MESSAGE, ConversationKind.DEPOSIT)


def page_context() -> dict:
    return {**display.helpers(), "step_legends": LEGENDS, "compose": compose}


# --- Home (« Ma messagerie ») ------------------------------------------------------------------


@handler(Access.PROFILE)
def home():
    account = current_account()
    show_hidden = request.args.get("masquees") == "1"
    pages = db.paginate(
        operations.account_conversations(account, kinds=LISTED_KINDS, hidden=show_hidden),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    hidden_count = db.session.scalar(
        select(func.count()).select_from(
            operations.account_conversations(account, kinds=LISTED_KINDS, hidden=True)
            .order_by(None)
            .subquery()
        )
    )
    return render_template(
        "secure_messaging/home.html",
        pages=pages,
        unread=operations.unread_by_user([c.id for c in pages.items]),
        show_hidden=show_hidden,
        hidden_count=hidden_count,
        drafts=compose.drafts(),
    )


@handler(Access.PROFILE, load={"conversation_id": Conversation})
def sent(conversation: Conversation):
    if conversation.kind not in LISTED_KINDS:
        abort(404)
    profile = db.session.get(Profile, conversation.profile_id) if conversation.profile_id else None
    return render_template(
        "secure_messaging/sent.html",
        conversation=conversation,
        deposit=conversation.kind == ConversationKind.DEPOSIT,
        sms=bool(profile and profile.mobile),
    )


# --- Document deposit ------------------------------------------------------------------------


def _document_types() -> list[str]:
    return list(current_tenant().settings_for("secure_messaging").document_types)


def _deposit_page(add_form, send_form):
    add_form.document_type.choices = [
        SelectChoice("", _("Choisissez un type de document")),
        *(SelectChoice(name, name) for name in _document_types()),
    ]
    return render_template(
        "secure_messaging/deposit.html",
        add_form=add_form,
        send_form=send_form,
        documents=deposits.pending_documents(current_account()),
        max_documents=current_tenant().config.messaging.max_attachments,
    )


@handler(Access.PROFILE)
def deposit():
    """The documents added so far and « Ajouter un document » (each file checked on its own:
    a refused file leaves the others in place)."""
    tenant = current_tenant()
    form = forms.DocumentForm()
    if form.validate_on_submit():
        storage = form.file.data
        upload = operations.Upload(
            stream=storage.stream if storage else io.BytesIO(),
            filename=storage.filename if storage else None,
            document_type=form.document_type.data or None,
        )
        try:
            document = deposits.add_pending_document(
                tenant, current_account(), upload, _document_types()
            )
        except operations.MessagingError as exc:  # raised before anything is written
            getattr(form, exc.field, form.file).errors.append(exc.message)
        else:
            flash(_("« %(name)s » est ajouté à votre envoi.", name=document.filename), "success")
            return redirect(url_for(".deposit"))
    return _deposit_page(form, forms.DepositForm(formdata=None))


@handler(Access.PROFILE)
def deposit_send():
    add_form = forms.DocumentForm(formdata=None)
    form = forms.DepositForm()
    if form.validate_on_submit():
        try:
            conversation = deposits.send_deposit(
                current_tenant(),
                current_account(),
                current_profile(),
                form.comment.data,
                locale=str(get_locale()),
            )
        except operations.MessagingError as exc:  # raised before anything is written
            (form.comment if exc.field == "body" else add_form.file).errors = [exc.message]
        else:
            return redirect(url_for(".sent", conversation_id=conversation.id))
    return _deposit_page(add_form, form)


# A document of the account's deposit not sent yet (another account's, a sent one: 404).
PENDING_DOCUMENT = {"attachment_id": Attachment}


def _pending(document: Attachment) -> Attachment:
    if document.message_id is not None:
        abort(404)
    return document


@handler(Access.PROFILE, load=PENDING_DOCUMENT)
def document(attachment: Attachment):
    document = _pending(attachment)
    return send_stored_file(document.storage_key, document.filename, mimetype=document.content_type)


@handler(Access.PROFILE, load=PENDING_DOCUMENT)
def remove_document(attachment: Attachment):
    deposits.remove_pending_document(current_account(), _pending(attachment).id)
    flash(_("Le document est retiré de votre envoi."), "success")
    return redirect(url_for(".deposit"))
