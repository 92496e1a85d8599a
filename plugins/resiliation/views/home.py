"""The plugin's home page: « Nouvelle résiliation » and the letters to finish (the wizard's
drafts and the written letters not validated yet), newest first, 10 per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request, url_for
from sqlalchemy import select

from plugins.resiliation import operations
from plugins.resiliation.i18n import _
from plugins.resiliation.wizard import wizard
from portal.core.accounts.models import Profile
from portal.core.accounts.session import current_account, current_profile
from portal.core.clock import aware
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PER_PAGE = 10


@dataclass
class ToFinish:
    """One line of « Lettres à terminer »: a draft of the wizard or a written letter."""

    title: str
    url: str
    changed_at: datetime
    managed_by: str
    stage: str
    draft: object = None  # the WizardDraft (it may be discarded)
    letter: object = None


def letters_to_finish() -> list[ToFinish]:
    account = current_account()
    drafts = wizard.drafts()
    letters = operations.letters_to_finish(account.id)
    ids = {letter.managed_by_id for letter in letters if letter.managed_by_id}
    names = dict(
        db.session.execute(select(Profile.id, Profile.name).where(Profile.id.in_(ids))).all()
    )
    rows = [
        ToFinish(
            title=draft.row.title or _("Résiliation sans souscripteur"),
            url=wizard.resume_url(draft),
            changed_at=aware(draft.row.updated_at),
            managed_by=draft.modified_by or "",
            stage=_("En cours de saisie"),
            draft=draft,
        )
        for draft in drafts
    ]
    rows += [
        ToFinish(
            title=" — ".join(p for p in (letter.subscriber_name, letter.recipient_name) if p),
            url=url_for(".letter", letter_id=letter.id),
            changed_at=aware(letter.updated_at or letter.created_at),
            managed_by=names.get(letter.managed_by_id, ""),
            stage=_("Lettre à finaliser"),
            letter=letter,
        )
        for letter in letters
    ]
    rows.sort(key=lambda row: row.changed_at, reverse=True)
    return rows


@handler(Access.ANONYMOUS)
def home():
    settings = current_tenant().settings_for("resiliation")
    context = {"settings": settings, "rows": None}
    if current_account() is not None and current_profile() is not None:
        rows = letters_to_finish()
        pages = max(1, -(-len(rows) // PER_PAGE))
        number = min(max(1, request.args.get("page", 1, type=int)), pages)
        context |= {
            "rows": rows[(number - 1) * PER_PAGE : number * PER_PAGE],
            "total": len(rows),
            "page": number,
            "pages": pages,
            "wizard": wizard,
        }
    return render_template("resiliation/home.html", **context)
