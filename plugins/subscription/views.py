"""Request handlers of the subscription plugin."""

from flask import render_template

from portal.core.tenants import current_tenant


def home():
    settings = current_tenant().settings_for("subscription")
    return render_template("subscription/home.html", settings=settings)
