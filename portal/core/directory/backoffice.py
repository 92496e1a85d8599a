"""The operators' « Annuaire » (back office): the tenants, then one tenant's directory — the
list (search, kind and state filters, 50 a page), an entry created or edited (every field,
checked), activated or deactivated, and the CSV import (a dry run listing each bad line and what
would be created or updated, then the import in one transaction). Every change is audit-logged.

A tenant's pages name it in their URL (``<tenant_slug>``) and run in its scope: an entry of
another tenant is a 404 there."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.core import audit
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.backoffice.queries import all_tenants
from portal.core.directory import operations
from portal.core.directory.forms import (
    KIND_LABELS,
    ActiveForm,
    EntryFilterForm,
    EntryForm,
    ImportForm,
    kind_choices,
)
from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.core.directory.search import compact_key, search_key
from portal.core.plugins import hookimpl
from portal.core.tenants import CurrentTenant, tenant_directory
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PER_PAGE = 50
# Tenants whose services write to the directory (the list says so; every tenant has one).
USING_PLUGINS = ("resiliation", "emprunteur")


@hookimpl
def backoffice_pages():
    base = "/annuaire/<tenant_slug>"
    both = ("GET", "POST")
    return [
        BackofficePage("/annuaire", "directory_tenants", tenants),
        BackofficePage(base, "directory_entries", entries),
        BackofficePage(base + "/nouvelle", "directory_new", new_entry, both),
        BackofficePage(base + "/<int:entry_id>", "directory_edit", edit_entry, both),
        BackofficePage(
            base + "/<int:entry_id>/activation", "directory_active", toggle_active, ("POST",)
        ),
        BackofficePage(base + "/import", "directory_import", import_file, both),
        BackofficePage(base + "/annuaire.csv", "directory_export", export),
    ]


@hookimpl
def backoffice_menu_items():
    return [BackofficeMenuItem(_l("Annuaire"), "directory_tenants", order=60)]


def _actor(tenant: CurrentTenant) -> dict:
    return audit.by_staff(current_staff(), tenant.id)


@handler(Access.STAFF)
def tenants():
    """Every tenant, with its count of entries (active, all), those whose services use it first."""
    counts = {
        (tenant_id, active): count
        for tenant_id, active, count in db.session.execute(
            select(DirectoryEntry.tenant_id, DirectoryEntry.active, func.count()).group_by(
                DirectoryEntry.tenant_id, DirectoryEntry.active
            )
        )
    }
    rows = []
    for row in all_tenants():
        tenant = tenant_directory().get(row.id)
        if tenant is None:
            continue
        active = counts.get((row.id, True), 0)
        rows.append(
            {
                "tenant": tenant,
                "active": active,
                "total": active + counts.get((row.id, False), 0),
                "uses": [name for name in USING_PLUGINS if name in tenant.enabled_plugins],
            }
        )
    rows.sort(key=lambda row: (not row["uses"], row["tenant"].name))
    return render_template("backoffice/directory/tenants.html", rows=rows)


def _filtered(form: EntryFilterForm):
    statement = select(DirectoryEntry)
    if form.q.data:
        key, compact = search_key(form.q.data), compact_key(form.q.data)
        if compact:
            statement = statement.where(
                DirectoryEntry.compact_key.like(f"%{compact}%")
                | DirectoryEntry.search_key.like(f"%{key}%")
            )
    if form.kind.data in {kind.value for kind in EntryKind}:
        statement = statement.where(DirectoryEntry.kind == EntryKind(form.kind.data))
    if form.state.data in ("actif", "inactif"):
        statement = statement.where(DirectoryEntry.active.is_(form.state.data == "actif"))
    return statement.order_by(DirectoryEntry.search_key, DirectoryEntry.id)


@handler(Access.STAFF)
def entries(tenant: CurrentTenant):
    form = EntryFilterForm(request.args)
    form.kind.choices = [("", _("Tous les types")), *kind_choices()]
    form.state.choices = [
        ("", _("Actives et inactives")),
        ("actif", _("Actives")),
        ("inactif", _("Inactives")),
    ]
    form.validate()
    results = db.paginate(
        _filtered(form),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "backoffice/directory/entries.html",
        tenant=tenant,
        form=form,
        results=results,
        kind_labels=KIND_LABELS,
        active_form=ActiveForm(formdata=None),
    )


def _entry_form(entry: DirectoryEntry | None = None) -> EntryForm:
    form = EntryForm(obj=entry) if entry is not None else EntryForm()
    form.kind.choices = kind_choices()
    if entry is not None and request.method == "GET":
        form.kind.data = entry.kind.value
    return form


def _checked(form: EntryForm, entry: DirectoryEntry | None) -> dict | None:
    """The cleaned values when the form is valid, else None with each error next to its field."""
    if not form.validate_on_submit():
        return None
    values = operations.clean(form.values())
    errors = operations.check(values, entry_id=entry.id if entry is not None else None)
    for name, message in errors.items():
        getattr(form, name).errors.append(message)
    return None if errors else values


@handler(Access.STAFF)
def new_entry(tenant: CurrentTenant):
    form = _entry_form()
    values = _checked(form, None)
    if values is not None:
        entry = operations.create_entry(values, _actor(tenant))
        flash(_("« %(name)s » est ajouté à l'annuaire.", name=entry.name), "success")
        return redirect(url_for("backoffice.directory_entries", tenant_slug=tenant.slug))
    return render_template("backoffice/directory/entry.html", tenant=tenant, form=form, entry=None)


@handler(Access.STAFF, load={"entry_id": DirectoryEntry})
def edit_entry(tenant: CurrentTenant, entry: DirectoryEntry):
    form = _entry_form(entry)
    values = _checked(form, entry)
    if values is not None:
        changed = operations.update_entry(entry, values, _actor(tenant))
        if changed:
            flash(_("« %(name)s » est enregistré.", name=entry.name), "success")
        else:
            flash(_("Rien n'a changé."), "info")
        return redirect(url_for("backoffice.directory_entries", tenant_slug=tenant.slug))
    return render_template(
        "backoffice/directory/entry.html",
        tenant=tenant,
        form=form,
        entry=entry,
        active_form=ActiveForm(formdata=None),
    )


@handler(Access.STAFF, load={"entry_id": DirectoryEntry})
def toggle_active(tenant: CurrentTenant, entry: DirectoryEntry):
    if ActiveForm().validate_on_submit():
        wanted = request.form.get("active") == "1"
        if operations.set_active(entry, wanted, _actor(tenant)):
            if wanted:
                message = _("« %(name)s » est de nouveau proposé aux agents.", name=entry.name)
            else:
                message = _("« %(name)s » n'est plus proposé aux agents.", name=entry.name)
            flash(message, "success")
    back = request.form.get("back", "")
    if back.startswith("/") and not back.startswith(("//", "/\\")):
        return redirect(back)
    return redirect(url_for("backoffice.directory_entries", tenant_slug=tenant.slug))


@handler(Access.STAFF)
def import_file(tenant: CurrentTenant):
    form = ImportForm()
    plan = None
    content = ""
    if form.validate_on_submit():
        upload = form.file.data
        if request.form.get("action") == "import" and form.content.data:
            content = form.content.data
            try:
                done = operations.import_csv(content, _actor(tenant))
            except operations.ImportRefused as refused:
                form.file.errors.append(str(refused))
                plan = operations.read_csv(content)
            else:
                flash(_imported_message(done), "success")
                return redirect(url_for("backoffice.directory_entries", tenant_slug=tenant.slug))
        elif upload:
            data = upload.read(operations.MAX_IMPORT_BYTES + 1)
            plan = operations.read_csv(data)
            if plan.ok:
                content = data.decode("utf-8-sig")
        else:
            form.file.errors.append(_("Choisissez le fichier CSV à vérifier."))
    form.content.data = content if plan is not None and plan.ok else ""
    return render_template(
        "backoffice/directory/import.html",
        tenant=tenant,
        form=form,
        plan=plan,
        header=operations.CSV_HEADER,
        kind_labels=KIND_LABELS,
        field_labels=operations.LABELS,
    )


def _imported_message(plan: operations.ImportPlan) -> str:
    created, updated = plan.count("create"), plan.count("update")
    return " ".join(
        [
            ngettext("%(num)d fiche créée,", "%(num)d fiches créées,", created),
            ngettext("%(num)d fiche mise à jour.", "%(num)d fiches mises à jour.", updated),
        ]
    )


@handler(Access.STAFF)
def export(tenant: CurrentTenant):
    """The tenant's whole directory as a CSV file the import reads back."""
    rows = db.session.scalars(select(DirectoryEntry).order_by(DirectoryEntry.search_key))
    return Response(
        "\ufeff" + operations.export_csv(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="annuaire-{tenant.slug}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
