"""The back-office home: what is waiting, and where to go."""

from __future__ import annotations

from flask import render_template

from portal.core.backoffice import queries
from portal.core.backoffice.blueprint import has_page
from portal.core.backoffice.session import staff_required

# The review queue of the verification module, when it is installed.
DOCUMENTS_QUEUE = "backoffice.verification_queue"
INBOX = "backoffice.messaging_inbox_tenants"


@staff_required()
def dashboard():
    return render_template(
        "backoffice/dashboard.html",
        waiting_signups=queries.waiting_signup_count(),
        documents_to_review=queries.documents_to_review_count(),
        documents_endpoint=DOCUMENTS_QUEUE if has_page(DOCUMENTS_QUEUE) else None,
        conversations_to_handle=queries.conversations_to_handle_count(),
        inbox_endpoint=INBOX if has_page(INBOX) else None,
    )
