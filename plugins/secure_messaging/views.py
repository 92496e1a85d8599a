"""Request handlers of the secure_messaging plugin."""

from flask import render_template

from portal.core.tenants import current_tenant


def home():
    settings = current_tenant().settings_for("secure_messaging")
    return render_template("secure_messaging/home.html", settings=settings)
