"""Request handlers of « Ma messagerie » (the MSA guide's flow): the home page with past
conversations, the message written in steps (theme → topic → reason, online service, message,
summary, confirmation) and the document deposit. Views parse, call
``portal.core.messaging.operations`` and render or redirect; every step works without JavaScript.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from plugins.secure_messaging import draft as drafts
from plugins.secure_messaging import forms
from portal.core.accounts.decorators import profile_required
from portal.core.accounts.models import Profile
from portal.core.accounts.session import current_account, current_profile
from portal.core.messaging import deposit as deposits
from portal.core.messaging import display, operations, taxonomy
from portal.core.messaging.models import Conversation, ConversationKind
from portal.core.messaging.rules import normalize_body
from portal.core.messaging.taxonomy import Selection
from portal.core.tenants import current_tenant
from portal.extensions import db

PAGE_SIZE = 10
LISTED_KINDS = (ConversationKind.MESSAGE, ConversationKind.DEPOSIT)
# The wizard's steps by level (theme, topic, reason: the three codes a conversation keeps):
# endpoint, legend of the choice, label in the summary.
STEP_ENDPOINTS = (".theme", ".topic", ".reason")
STEP_LEGENDS = (_l("Mon message concerne"), _l("Sujet"), _l("Motif"))
SUMMARY_LABELS = (_l("Thème"), _l("Sujet"), _l("Motif"))


def page_context() -> dict:
    return {**display.helpers(), "step_legends": STEP_LEGENDS}


def _conversation_or_404(conversation_id: int) -> Conversation:
    """A conversation of the logged-in account (another account's or tenant's id: 404)."""
    conversation = db.session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id,
            Conversation.account_id == current_account().id,
            Conversation.kind.in_(LISTED_KINDS),
        )
    )
    if conversation is None:
        abort(404)
    return conversation


# --- Home (« Ma messagerie ») ------------------------------------------------------------------


@profile_required
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
    draft = drafts.load(account.id)
    return render_template(
        "secure_messaging/home.html",
        pages=pages,
        unread=operations.unread_by_user([c.id for c in pages.items]),
        show_hidden=show_hidden,
        hidden_count=hidden_count,
        resume_url=_resume_url(draft) if drafts.in_progress(draft) else None,
    )


# --- Writing a message: the draft and where it stands ------------------------------------------


def _themes():
    tenant = current_tenant()
    return taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, current_account()))


def _step_url(level: int) -> str:
    return url_for(STEP_ENDPOINTS[min(level, len(STEP_ENDPOINTS) - 1)])


def _next_url(selection: Selection) -> str:
    """Where the user continues: the next choice, or the message once a leaf is chosen."""
    return url_for(".message") if selection.complete else _step_url(len(selection.nodes))


def _resume_url(draft: dict) -> str:
    selection = drafts.selection(_themes(), draft)
    if selection.complete and draft.get("body"):
        return url_for(".summary")
    return _next_url(selection)


def _pending_service(draft: dict, selection: Selection, upto: int) -> tuple | None:
    """``(node, level)`` of the online service to offer on a page that follows the first
    ``upto`` choices: the deepest chosen node with a service, unless the user closed its dialog."""
    for level in reversed(range(min(upto, len(selection.nodes)))):
        node = selection.nodes[level]
        if node.service_url:
            dismissed = drafts.is_dismissed(draft, selection.codes[: level + 1])
            return None if dismissed else (node, level)
    return None


def _path_rows(selection: Selection, upto: int) -> list[dict]:
    """The choices made before a page, each with its « Modifier » link."""
    return [
        {"legend": STEP_LEGENDS[min(level, 2)], "label": node.label, "url": _step_url(level)}
        for level, node in enumerate(selection.nodes[:upto])
    ]


def _wizard_page(template: str, draft: dict, selection: Selection, upto: int, **context):
    service = _pending_service(draft, selection, upto)
    return render_template(
        template,
        path=_path_rows(selection, upto),
        dialog=(
            {"node": service[0], "level": service[1], "modify_url": _step_url(service[1])}
            if service
            else None
        ),
        **context,
    )


# --- Steps: theme, topic, reason ----------------------------------------------------------------


@profile_required
def theme():
    return _choose(0)


@profile_required
def topic():
    return _choose(1)


@profile_required
def reason():
    return _choose(2)


def _choose(level: int):
    account = current_account()
    themes = _themes()
    draft = drafts.load(account.id)
    selection = drafts.selection(themes, draft)
    if len(selection.nodes) < level:
        return redirect(_step_url(len(selection.nodes)))
    if level and not selection.nodes[level - 1].children:
        return redirect(url_for(".message"))
    options = Selection(selection.nodes[:level]).options(themes)
    form = forms.ChoiceForm()
    form.choice.label.text = STEP_LEGENDS[level]
    form.choice.choices = [SelectChoice(node.code, node.label) for node in options]
    if request.method == "GET" and level < len(selection.codes):
        form.choice.data = selection.codes[level]  # going back keeps the earlier answer
    if form.validate_on_submit():
        chosen = drafts.choose(themes, draft, level, form.choice.data)
        if chosen is None:
            form.choice.errors.append(_("Choisissez une réponse dans la liste."))
        else:
            drafts.save(draft)
            db.session.commit()
            return redirect(_next_url(Selection(chosen.nodes[: level + 1])))
    return _wizard_page(
        "secure_messaging/step.html", draft, selection, level, form=form, level=level
    )


@profile_required
def dismiss_service():
    """« Fermer et rédiger mon message »: the dialog of that node is not offered again."""
    draft = drafts.load(current_account().id)
    selection = drafts.selection(_themes(), draft)
    level = request.form.get("level", type=int)
    if level is None or not 0 <= level < len(selection.nodes):
        level = len(selection.nodes) - 1
    if level >= 0 and selection.nodes[level].service_url:
        drafts.dismiss(draft, selection.codes[: level + 1])
        drafts.save(draft)
        db.session.commit()
    if request.headers.get("X-Requested-With") == "fetch":  # the dialog's script: stay there
        return "", 204
    return redirect(_next_url(Selection(selection.nodes[: level + 1])))


@profile_required
def cancel():
    drafts.clear(current_account().id)
    db.session.commit()
    flash(_("Votre message a été abandonné."), "info")
    return redirect(url_for(".home"))


# --- Message, summary, confirmation ------------------------------------------------------------


@profile_required
def message():
    tenant = current_tenant()
    draft = drafts.load(current_account().id)
    selection = drafts.selection(_themes(), draft)
    if not selection.complete:
        return redirect(_next_url(selection))
    form = forms.MessageForm()
    if request.method == "GET":
        form.body.data = draft.get("body", "")
    if form.validate_on_submit():
        try:
            draft["body"] = operations.check_body(tenant, form.body.data)
        except operations.MessagingError as exc:
            form.body.errors.append(exc.message)
            drafts.keep_body(draft, form.body.data)
            drafts.save(draft)
            db.session.commit()
        else:
            drafts.save(draft)
            db.session.commit()
            return redirect(url_for(".summary"))
    settings = tenant.config.messaging
    length = len(normalize_body(form.body.data))
    return _wizard_page(
        "secure_messaging/message.html",
        draft,
        selection,
        len(selection.nodes),
        form=form,
        service=selection.service,
        min_chars=settings.message_min_chars,
        max_chars=settings.message_max_chars,
        remaining=settings.message_max_chars - length,
    )


@profile_required
def summary():
    tenant = current_tenant()
    account = current_account()
    draft = drafts.load(account.id)
    form = forms.SendForm()
    if form.validate_on_submit():
        return _send(tenant, account, draft, form.draft_token.data)
    selection = drafts.selection(_themes(), draft)
    if not selection.complete:
        return redirect(_next_url(selection))
    try:
        operations.check_body(tenant, draft.get("body"))
    except operations.MessagingError:
        return redirect(url_for(".message"))
    form.draft_token.data = draft["token"]
    rows = [
        {"label": SUMMARY_LABELS[min(level, 2)], "value": node.label}
        for level, node in enumerate(selection.nodes)
    ]
    return render_template(
        "secure_messaging/summary.html", form=form, rows=rows, body=draft["body"]
    )


def _send(tenant, account, draft: dict, token: str | None):
    """Send the draft once: the summary posted again (double click, back button, two tabs) finds
    the conversation its token already started (the core keeps the key)."""
    if not token:
        return redirect(url_for(".summary"))
    selection = drafts.selection(_themes(), draft)
    try:
        conversation = operations.start_conversation(
            tenant,
            account,
            current_profile(),
            kind=ConversationKind.MESSAGE,
            selection=selection,
            body=draft.get("body", ""),
            locale=str(get_locale()),
            request_key=f"secure_messaging:{token}",
        )
    except operations.MessagingError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_next_url(selection) if not selection.complete else url_for(".message"))
    drafts.clear(account.id)  # in the same transaction as the conversation it became
    db.session.commit()
    return redirect(url_for(".sent", conversation_id=conversation.id))


@profile_required
def sent(conversation_id: int):
    conversation = _conversation_or_404(conversation_id)
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


@profile_required
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
        except operations.MessagingError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.file).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("« %(name)s » est ajouté à votre envoi.", name=document.filename), "success")
            return redirect(url_for(".deposit"))
    return _deposit_page(form, forms.DepositForm(formdata=None))


@profile_required
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
        except operations.MessagingError as exc:
            db.session.rollback()
            (form.comment if exc.field == "body" else add_form.file).errors = [exc.message]
        else:
            db.session.commit()
            return redirect(url_for(".sent", conversation_id=conversation.id))
    return _deposit_page(add_form, form)


@profile_required
def remove_document(attachment_id: int):
    if not deposits.remove_pending_document(current_account(), attachment_id):
        abort(404)
    db.session.commit()
    flash(_("Le document est retiré de votre envoi."), "success")
    return redirect(url_for(".deposit"))
