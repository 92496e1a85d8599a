"""Request handlers of the user side of messaging: help requests (« Aide »), the thread of any
conversation of the account, its attachments, and the visitors' contact form. Views parse, call
:mod:`portal.core.messaging.operations`, then render or redirect; no page needs JavaScript."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from portal.core.accounts.models import Profile
from portal.core.accounts.session import current_account, current_profile
from portal.core.messaging import display, forms, operations, taxonomy
from portal.core.messaging.models import Attachment, Author, Conversation, ConversationKind
from portal.core.messaging.notifications import reference
from portal.core.messaging.pages import conversations_page
from portal.core.storage import send_stored_file
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, Load, handler
from portal.extensions import db

PER_PAGE = 20

# Fields named by operations.MessagingError → the field of these forms that shows the message.
FORM_FIELDS = {"reason": "subject", "file": "files"}


def page_context() -> dict:
    return display.helpers()


# --- Helpers --------------------------------------------------------------------------------------


def _help_requests_closed():
    """None where the tenant offers help requests; else the page where its users write instead
    (the list of their messages, offered by a plugin), or 404."""
    if current_tenant().config.messaging.help_requests:
        return None
    home = conversations_page(ConversationKind.MESSAGE)
    if home is None:
        abort(404)
    return redirect(home)


def _list_url(conversation: Conversation, hidden: bool = False) -> str:
    """The list the conversation belongs to (the help requests, a plugin's), else the home page."""
    listed = conversations_page(conversation.kind, masquees="1" if hidden else None)
    return listed or url_for("core.home")


def _field_error(form, error: operations.MessagingError) -> None:
    field = getattr(form, FORM_FIELDS.get(error.field, error.field), None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors.append(error.message)


def body_fits(form, kind: ConversationKind) -> bool:
    """The core's length rule for a conversation of ``kind``, checked alongside the other fields
    so every error shows at once."""
    try:
        operations.check_body(current_tenant(), form.body.data, kind)
    except operations.MessagingError as error:
        form.body.errors.append(error.message)
        return False
    return True


def _uploads(field) -> list[operations.Upload]:
    return [
        operations.Upload(stream=f.stream, filename=f.filename)
        for f in field.data or []
        if getattr(f, "filename", None)
    ]


def _hidden_count(account, kinds) -> int:
    query = operations.account_conversations(account, kinds=kinds, hidden=True).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


# --- Help requests (« Aide ») ---------------------------------------------------------------------


def _subject_choices(paths: list[taxonomy.Selection]) -> list[SelectChoice]:
    """One option per complete path: "Thème › Sujet › Motif", its codes joined by "/"."""
    return [SelectChoice("", _("Choisissez le sujet de votre demande"))] + [
        SelectChoice("/".join(path.codes), " › ".join(path.labels)) for path in paths
    ]


def _preselected(topic: str | None, choices: list[SelectChoice]) -> str | None:
    """``?topic=`` names a path, or the start of one (its first complete path is chosen)."""
    topic = (topic or "").strip("/")
    if not topic:
        return None
    values = [choice.value for choice in choices if choice.value]
    return next((v for v in values if v == topic), None) or next(
        (v for v in values if v.startswith(topic + "/")), None
    )


def _prefilled_body(text: str | None, tenant) -> str | None:
    """``?text=`` starts the message (a link such as « Demander l'ajout d'une compagnie » says
    what is asked), cut to the longest message allowed; the template escapes it."""
    if not text:
        return None
    _min_chars, max_chars = tenant.config.messaging.body_length(ConversationKind.HELP)
    return text.replace("\x00", "").strip()[:max_chars] or None


@handler(Access.PROFILE)
def new_help_request():
    closed = _help_requests_closed()
    if closed is not None:
        return closed
    tenant, account = current_tenant(), current_account()
    themes = taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, account))
    form = forms.HelpRequestForm()
    form.subject.choices = _subject_choices(taxonomy.leaf_paths(themes))
    if request.method == "GET":
        form.subject.data = _preselected(request.args.get("topic"), form.subject.choices)
        form.body.data = _prefilled_body(request.args.get("text"), tenant)
    elif request.method == "POST":
        valid = form.validate()
        selection = None
        if form.subject.data and not form.subject.errors:
            selection = taxonomy.select_path(themes, form.subject.data.split("/"))
            if selection is None or not selection.complete:  # made up, or another tenant's
                form.subject.errors.append(_("Choisissez le sujet de votre demande dans la liste."))
                selection = None
        if body_fits(form, ConversationKind.HELP) and valid and selection is not None:
            try:
                conversation = operations.start_conversation(
                    tenant,
                    account,
                    current_profile(),
                    kind=ConversationKind.HELP,
                    selection=selection,
                    body=form.body.data,
                    uploads=_uploads(form.files),
                    locale=str(get_locale()),
                    request_key=f"help:{form.request_key.data}" if form.request_key.data else None,
                )
            except operations.MessagingError as error:  # raised before anything is written
                _field_error(form, error)
            else:
                flash(
                    _(
                        "Votre demande d'aide %(ref)s a bien été envoyée. Vous recevrez un e-mail "
                        "dès qu'une réponse y sera apportée.",
                        ref=reference(conversation),
                    ),
                    "success",
                )
                return redirect(url_for(".conversation", conversation_id=conversation.id))
    settings = tenant.config.messaging
    min_chars, max_chars = settings.body_length(ConversationKind.HELP)
    return render_template(
        "messaging/new_help_request.html",
        form=form,
        min_chars=min_chars,
        max_chars=max_chars,
        max_files=settings.max_attachments,
    )


@handler(Access.PROFILE)
def help_home():
    """« Aide »: « Demande d'aide », « Suivi des demandes » and, where the tenant offers it to
    this kind of account, « Demander un accompagnement initial »."""
    closed = _help_requests_closed()
    if closed is not None:
        return closed
    from portal.core import onboarding

    tenant, account = current_tenant(), current_account()
    ids = db.session.scalars(
        select(Conversation.id).where(
            Conversation.account_id == account.id, Conversation.kind == ConversationKind.HELP
        )
    ).all()
    waiting = (
        db.session.scalar(
            select(func.count()).where(
                Conversation.id.in_(ids), Conversation.awaiting_since.is_not(None)
            )
        )
        if ids
        else 0
    )
    booking = None
    offers_onboarding = onboarding.offered(tenant)
    if offers_onboarding:
        from portal.core.onboarding import display as onboarding_display
        from portal.core.onboarding.operations import upcoming_booking

        upcoming = upcoming_booking(account)
        if upcoming is not None:
            booking = onboarding_display.when(upcoming.slot.starts_at, tenant)
    return render_template(
        "messaging/help.html",
        requests_count=len(ids),
        waiting_count=waiting or 0,
        unread_count=sum(operations.unread_by_user(ids).values()),
        offers_onboarding=offers_onboarding,
        onboarding_booking=booking,
    )


@handler(Access.PROFILE)
def help_requests():
    closed = _help_requests_closed()
    if closed is not None:
        return closed
    account = current_account()
    kinds = [ConversationKind.HELP]
    show_hidden = request.args.get("masquees") == "1"
    pages = db.paginate(
        operations.account_conversations(account, kinds=kinds, hidden=show_hidden),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "messaging/help_requests.html",
        pages=pages,
        unread=operations.unread_by_user([c.id for c in pages.items]),
        show_hidden=show_hidden,
        hidden_count=_hidden_count(account, kinds),
    )


# --- One conversation -----------------------------------------------------------------------------


def _conversation_page(conversation: Conversation, form, seen_before=None):
    messages = operations.visible_messages(conversation, staff=False)
    profile_ids = {m.profile_id for m in messages if m.profile_id}
    names = dict(
        db.session.execute(
            select(Profile.id, Profile.name).where(Profile.id.in_(profile_ids))
        ).all()
    )
    settings = current_tenant().config.messaging
    min_chars, max_chars = settings.body_length(conversation.kind)
    return render_template(
        "messaging/conversation.html",
        conversation=conversation,
        messages=messages,
        author_names=names,
        is_new=lambda m: (
            m.author == Author.OPERATOR and (seen_before is None or m.created_at > seen_before)
        ),
        form=form,
        visibility=forms.VisibilityForm(formdata=None),
        back_url=_list_url(conversation),
        min_chars=min_chars,
        max_chars=max_chars,
        max_files=settings.max_attachments,
    )


# The URL's conversation, loaded for the logged-in account (another's, another tenant's: 404).
OWN_CONVERSATION = {"conversation_id": Conversation}


@handler(Access.PROFILE, load=OWN_CONVERSATION)
def conversation(conversation: Conversation):
    seen_before = conversation.user_seen_at
    page = _conversation_page(conversation, forms.ReplyForm(formdata=None), seen_before)
    operations.mark_seen_by_user(conversation)
    return page


@handler(Access.PROFILE, load=OWN_CONVERSATION)
def reply(conversation: Conversation):
    form = forms.ReplyForm()
    valid = form.validate()
    if body_fits(form, conversation.kind) and valid:
        try:
            operations.reply_as_user(
                current_tenant(),
                conversation,
                current_profile(),
                form.body.data,
                _uploads(form.files),
            )
        except operations.MessagingError as error:  # raised before anything is written
            _field_error(form, error)
        else:
            flash(_("Votre message a bien été envoyé."), "success")
            return redirect(url_for(".conversation", conversation_id=conversation.id))
    return _conversation_page(conversation, form, conversation.user_seen_at)


@handler(Access.PROFILE, load=OWN_CONVERSATION)
def hide(conversation: Conversation):
    return _set_hidden(conversation, True)


@handler(Access.PROFILE, load=OWN_CONVERSATION)
def show(conversation: Conversation):
    return _set_hidden(conversation, False)


def _set_hidden(conversation: Conversation, hidden: bool):
    back = forms.VisibilityForm().retour.data
    operations.set_hidden(conversation, hidden)
    ref = reference(conversation)
    if hidden:
        flash(_("%(ref)s est masquée de votre liste.", ref=ref), "success")
    else:
        flash(_("%(ref)s est de nouveau affichée dans votre liste.", ref=ref), "success")
    if back in ("liste", "masquees"):
        return redirect(_list_url(conversation, hidden=back == "masquees"))
    return redirect(url_for(".conversation", conversation_id=conversation.id))


@handler(
    Access.PROFILE,
    load={"conversation_id": Conversation, "attachment_id": Load(Attachment, owned=False)},
)
def attachment(conversation: Conversation, attachment: Attachment):
    """A file of a message of the account's conversation (never of an operators' note)."""
    message = attachment.message
    if message is None or message.conversation_id != conversation.id or message.internal:
        abort(404)
    return send_stored_file(
        attachment.storage_key, attachment.filename, mimetype=attachment.content_type
    )
