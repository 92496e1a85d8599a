"""Request handlers of the emprunteur plugin."""

from flask import render_template

from portal.core.tenants import current_tenant


def home():
    settings = current_tenant().settings_for("emprunteur")
    return render_template("emprunteur/home.html", settings=settings)
