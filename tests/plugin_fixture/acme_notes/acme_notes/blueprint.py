"""Every URL rule of the plugin."""

from flask import Blueprint

from acme_notes import views

blueprint = Blueprint("acme_notes", __name__, url_prefix="/acme-notes")
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/mes-notes", "mine", views.mine, methods=["GET", "POST"])
