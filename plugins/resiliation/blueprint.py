"""URL rules of the resiliation plugin."""

from flask import Blueprint

from plugins.resiliation import views

blueprint = Blueprint("resiliation", __name__, url_prefix="/resiliation")
blueprint.add_url_rule("/", "home", views.home)
