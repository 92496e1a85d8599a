"""Request handlers: the lists of letters (all, to finish, scheduled, sent, trash), their Excel
export, « Mettre à la corbeille » / « Restaurer » and « Annuler l'envoi » from a list.

The plugin's home (``resiliation.home``, ``/resiliation/``) is the list of all letters
(:func:`render_list`); the other lists are ``/resiliation/courriers/a-terminer``,
``…/programmes``, ``…/envoyes`` and ``…/corbeille`` (one endpoint each, :data:`ENDPOINTS`).
Filters and the page are in the query string, so a list is bookmarked, reloaded and exported as
shown.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from plugins.resiliation import export, lists
from plugins.resiliation.i18n import _
from plugins.resiliation.models import Letter, LetterState
from portal.core.accounts.ownership import account_profiles
from portal.core.accounts.session import current_account, current_profile
from portal.core.clock import local_now
from portal.core.exports import xlsx_response
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler

LOAD = {"letter_id": Letter}
FORM = ["GET", "POST"]


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/courriers/a-terminer", "letters_to_finish", letters_to_finish)
    rule("/courriers/programmes", "letters_scheduled", letters_scheduled)
    rule("/courriers/envoyes", "letters_sent", letters_sent)
    rule("/courriers/corbeille", "letters_trash", letters_trash)
    rule("/courriers/export.xlsx", "letters_export", letters_export)
    rule("/lettres/<int:letter_id>/corbeille", "trash_letter", trash_letter, methods=FORM)
    rule("/lettres/<int:letter_id>/restaurer", "restore_letter", restore_letter, methods=["POST"])
    rule(
        "/lettres/<int:letter_id>/annuler-envoi",
        "cancel_send_from_list",
        cancel_send_from_list,
        methods=FORM,
    )


def _back_url(default_tab: str = lists.ALL) -> str:
    """Where an action returns: the list it was asked from (a path of the plugin's lists only),
    else the list ``default_tab``."""
    target = request.values.get("retour") or ""
    if target.startswith("/resiliation/") and not target.startswith("//") and "\\" not in target:
        return target
    return _list_url(default_tab)


ENDPOINTS = {
    lists.ALL: "resiliation.home",
    lists.TO_FINISH: "resiliation.letters_to_finish",
    lists.SCHEDULED: "resiliation.letters_scheduled",
    lists.SENT: "resiliation.letters_sent",
    lists.TRASH: "resiliation.letters_trash",
}


def _list_url(tab: str, **args) -> str:
    return url_for(ENDPOINTS[tab], **args)


def _cancel_send_available():
    try:
        from plugins.resiliation.sending import cancel_letter_send
    except ImportError:
        return None
    return cancel_letter_send


def _may_cancel_send(letter: Letter) -> bool:
    """« Annuler l'envoi » is offered: a scheduled letter, until the day before it leaves."""
    if letter.state != LetterState.VALIDATED or _cancel_send_available() is None:
        return False
    try:
        from plugins.resiliation.sending import may_change
    except ImportError:
        return True
    return may_change(letter)


def render_list(tab: str):
    """One list of the current account's letters, with its tabs, filters and pagination."""
    account = current_account()
    profiles = account_profiles(account.id)
    filters = lists.Filters.from_args(request.args, profiles)
    names = {profile.id: profile.name for profile in profiles}
    counts = lists.counts(account.id)
    number = request.args.get("page", 1, type=int)
    page = lists.page_of(account.id, tab, filters, number, names, counts)
    drafts = []
    if tab in (lists.ALL, lists.TO_FINISH) and not filters.active:
        from plugins.resiliation.wizard import wizard

        drafts = wizard.drafts()
    else:
        wizard = None
    return render_template(
        "resiliation/lists/page.html",
        tab=tab,
        tabs=lists.TABS,
        counts=counts,
        page=page,
        filters=filters,
        profiles=profiles,
        drafts=drafts,
        wizard=wizard,
        list_url=_list_url,
        list_endpoint=ENDPOINTS[tab],
        tracking=lists.tracking,
        letter_kind=lists.letter_kind,
        sent_on=lists.sent_on,
        may_trash=lists.may_trash,
        may_cancel_send=_may_cancel_send,
        LetterState=LetterState,
        settings=current_tenant().settings_for("resiliation"),
        trash_days=current_tenant().config.retention.trash_days,
        back=request.full_path.rstrip("?"),
    )


@handler(Access.PROFILE)
def letters_to_finish():
    return render_list(lists.TO_FINISH)


@handler(Access.PROFILE)
def letters_scheduled():
    return render_list(lists.SCHEDULED)


@handler(Access.PROFILE)
def letters_sent():
    return render_list(lists.SENT)


@handler(Access.PROFILE)
def letters_trash():
    return render_list(lists.TRASH)


@handler(Access.PROFILE)
def letters_export():
    """The filtered list (``?onglet=`` and the filters of the page) as an Excel workbook."""
    account = current_account()
    tab = request.args.get("onglet", lists.ALL)
    if tab not in lists.TABS:
        tab = lists.ALL
    filters = lists.Filters.from_args(request.args, account_profiles(account.id))
    path = export.write_workbook(account.id, tab, filters)
    stamp = local_now(current_tenant()).strftime("%Y-%m-%d")
    return xlsx_response(path, f"resiliations-{stamp}.xlsx")


@handler(Access.PROFILE, load=LOAD)
def trash_letter(letter: Letter):
    """« Mettre à la corbeille »: a confirmation (the send is NOT cancelled), then the letter is
    hidden from the lists until restored or purged."""
    refusal = lists.trash_refusal(letter)
    if refusal:
        flash(refusal, "error")
        return redirect(_back_url())
    if request.method == "POST":
        lists.trash(letter)
        flash(_("La lettre %(number)s est dans la corbeille.", number=letter.reference), "success")
        return redirect(_back_url())
    return render_template(
        "resiliation/lists/confirm_trash.html",
        letter=letter,
        back=_back_url(),
        trash_days=current_tenant().config.retention.trash_days,
    )


@handler(Access.PROFILE, load=LOAD)
def restore_letter(letter: Letter):
    try:
        lists.restore(letter)
    except lists.TrashRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(_("La lettre %(number)s est restaurée.", number=letter.reference), "success")
    return redirect(_back_url(lists.TRASH))


@handler(Access.PROFILE, load=LOAD)
def cancel_send_from_list(letter: Letter):
    """« Annuler l'envoi » of a scheduled letter, from a list: a confirmation, then
    ``sending.cancel_letter_send`` (refunded; refused on the send day with its message)."""
    cancel_letter_send = _cancel_send_available()
    if cancel_letter_send is None or letter.state != LetterState.VALIDATED:
        flash(_("L'envoi de cette lettre ne peut pas être annulé."), "error")
        return redirect(_back_url(lists.SCHEDULED))
    if request.method == "POST":
        try:
            cancel_letter_send(letter, current_profile())
        except Exception as refusal:  # the sending part's refusals carry their French message
            message = getattr(refusal, "message", None)
            if message is None:
                raise
            flash(str(message), "error")
        else:
            flash(
                _(
                    "L'envoi de la lettre %(number)s est annulé ; son montant est recrédité.",
                    number=letter.reference,
                ),
                "success",
            )
        return redirect(_back_url(lists.SCHEDULED))
    return render_template(
        "resiliation/lists/confirm_cancel.html", letter=letter, back=_back_url(lists.SCHEDULED)
    )
