"""Request handlers: « Tous les courriers papier » (``paper_mail.home``, the plugin's home), its
Excel export and « Effacer » a draft (asked again on a page of its own: no script needed).

Filters and the page are in the query string, so the list is bookmarked, reloaded and exported
as shown.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from plugins.paper_mail import export, lists, sending
from plugins.paper_mail.i18n import _
from plugins.paper_mail.models import MailState, PaperMail
from plugins.paper_mail.rules import MODES
from portal.core.accounts.ownership import account_profiles
from portal.core.accounts.session import current_account
from portal.core.clock import local_now
from portal.core.database import take_sqlite_write_lock
from portal.core.exports import xlsx_response
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/", "home", home)
    rule("/courriers/export.xlsx", "export", export_list)
    rule("/courriers/<int:mail_id>/effacer", "delete_draft", delete_draft, methods=["POST"])


def _back_url() -> str:
    """Where an action returns: the list it was asked from (with its filters), else the list."""
    target = request.values.get("retour") or ""
    if target.startswith("/paper-mail/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("paper_mail.home")


@handler(Access.PROFILE)
def home():
    """The current account's mails, 10 a page, with the filters and « Nouveau courrier papier »."""
    account = current_account()
    profiles = account_profiles(account.id)
    filters = lists.Filters.from_args(request.args, profiles)
    names = {profile.id: profile.name for profile in profiles}
    page = lists.page_of(account.id, filters, request.args.get("page", 1, type=int), names)
    return render_template(
        "paper_mail/lists/page.html",
        page=page,
        filters=filters,
        profiles=profiles,
        modes=MODES,
        states=lists.STATE_LABELS,
        MailState=MailState,
        back=request.full_path.rstrip("?"),
        retention_days=_contents_days(),
    )


def _contents_days() -> int:
    return getattr(current_tenant().config.retention, "paper_contents_days", 14)


@handler(Access.PROFILE)
def export_list():
    """The filtered list as an Excel workbook, streamed."""
    account = current_account()
    filters = lists.Filters.from_args(request.args, account_profiles(account.id))
    path = export.write_workbook(account.id, filters)
    return xlsx_response(path, export.filename(local_now(current_tenant())))


@handler(Access.PROFILE, load={"mail_id": PaperMail})
def delete_draft(mail: PaperMail):
    """« Effacer » a draft: a first POST asks again, the second (``confirme``) deletes it."""
    if mail.state != MailState.DRAFT:
        flash(_("Seul un courrier en création peut être effacé."), "error")
        return redirect(_back_url())
    if request.form.get("confirme") != "1":
        return render_template(
            "paper_mail/lists/confirm_delete.html",
            mail=mail,
            recipient=lists.recipient_label(mail),
            back=_back_url(),
        )
    reference = mail.reference
    take_sqlite_write_lock(PaperMail.__tablename__)  # before the savepoint (SQLite)
    try:
        with db.session.begin_nested():
            sending.delete_draft(mail)
    except sending.SendRefused as refusal:
        flash(refusal.message, "error")
        return redirect(_back_url())
    flash(_("Le courrier %(number)s est effacé.", number=reference), "success")
    return redirect(_back_url())
