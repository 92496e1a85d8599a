"""Request handlers of the resiliation plugin."""

from flask import render_template

from portal.core.tenants import current_tenant


def home():
    settings = current_tenant().settings_for("resiliation")
    return render_template("resiliation/home.html", settings=settings)
