"""URL rules of the paper_mail plugin."""

from flask import Blueprint

from plugins.paper_mail import views

blueprint = Blueprint("paper_mail", __name__, url_prefix="/paper-mail")
blueprint.add_url_rule("/", "home", views.home)
