"""The back-office home: what is waiting, and where to go."""

from __future__ import annotations

from flask import current_app, render_template

from portal.core.backoffice import queries
from portal.core.web.pipeline import Access, handler


@handler(Access.STAFF)
def dashboard():
    return render_template(
        "backoffice/dashboard.html",
        waiting_signups=queries.waiting_signup_count(),
        documents_to_review=queries.documents_to_review_count(),
        conversations_to_handle=queries.conversations_to_handle_count(),
        refunds_to_make=queries.refunds_to_make_count(),
        backoffice_endpoints=current_app.view_functions,
    )
