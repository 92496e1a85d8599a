"""Temporary home (replaced by the list of mails)."""

from flask import render_template

from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def home():
    settings = current_tenant().settings_for("paper_mail")
    return render_template("paper_mail/home.html", settings=settings)
