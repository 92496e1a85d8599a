"""URL rules of the emprunteur plugin."""

from flask import Blueprint

from plugins.emprunteur import views

blueprint = Blueprint("emprunteur", __name__, url_prefix="/emprunteur")
blueprint.add_url_rule("/", "home", views.home)
