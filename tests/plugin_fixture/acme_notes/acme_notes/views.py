"""Request handlers: parse, call an operation, render (the pipeline commits)."""

from flask import flash, redirect, render_template, url_for

from acme_notes import operations
from acme_notes.forms import NoteForm
from acme_notes.i18n import _
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def index():
    """The tenant's greeting and its notes for everyone."""
    settings = current_tenant().settings_for("acme_notes")
    return render_template(
        "acme_notes/index.html", notes=operations.tenant_notes(), settings=settings
    )


@handler(Access.PROFILE)
def mine():
    """The account's own notes and the form that adds one."""
    form = NoteForm()
    if form.validate_on_submit():
        operations.add_note(form.text.data)
        flash(_("Note enregistrée."), "success")
        return redirect(url_for("acme_notes.mine"))
    return render_template("acme_notes/mine.html", form=form, notes=operations.my_notes())
