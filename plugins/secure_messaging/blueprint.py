"""URL rules of the secure_messaging plugin."""

from flask import Blueprint

from plugins.secure_messaging import views

blueprint = Blueprint("secure_messaging", __name__, url_prefix="/secure-messaging")
blueprint.add_url_rule("/", "home", views.home)
