"""URL rules of the subscription plugin."""

from flask import Blueprint

from plugins.subscription import views

blueprint = Blueprint("subscription", __name__, url_prefix="/subscription")
blueprint.add_url_rule("/", "home", views.home)
