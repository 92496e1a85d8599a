"""The audit log, read-only: newest first, filtered by tenant, action, author and dates."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from portal.core.backoffice import queries
from portal.core.backoffice.forms import AuditFilterForm
from portal.core.backoffice.labels import audit_action_label
from portal.core.backoffice.views.common import tenant_choices
from portal.core.web.pipeline import Access, handler
from portal.extensions import db


@handler(Access.ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    form.tenant.choices = [
        *tenant_choices(_("Tous")),
        ("none", _("Plateforme (hors portail)")),
    ]
    form.action.choices = [("", _("Toutes les actions"))] + sorted(
        ((code, audit_action_label(code)) for code in queries.audit_actions()),
        key=lambda choice: choice[1].casefold(),
    )
    form.validate()  # a malformed date is reported next to its field and ignored
    tenant = form.tenant.data if form.tenant.data in dict(form.tenant.choices) else None
    pagination = db.paginate(
        queries.audit_log(
            tenant=tenant,
            action=(form.action.data or "").strip()[:64],
            actor=form.actor.data or "",
            date_from=None if form.date_from.errors else form.date_from.data,
            date_to=None if form.date_to.errors else form.date_to.data,
        ),
        page=request.args.get("page", 1, type=int),
        per_page=queries.AUDIT_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "backoffice/audit.html",
        form=form,
        results=pagination,
        tenant_slugs=queries.tenant_names(),
    )
