"""Request handlers of the resiliation plugin (every view goes through the pipeline)."""

from flask import render_template

from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def home():
    settings = current_tenant().settings_for("resiliation")
    return render_template("resiliation/home.html", settings=settings)
