"""Request handlers of the paper_mail plugin."""

from flask import render_template

from portal.core.tenants import current_tenant


def home():
    settings = current_tenant().settings_for("paper_mail")
    return render_template("paper_mail/home.html", settings=settings)
