"""URL rules of sign-up, login and passwords."""

from flask import Blueprint

from portal.core.accounts.auth import views

blueprint = Blueprint("auth", __name__)
blueprint.add_url_rule("/connexion", "login", views.login, methods=["GET", "POST"])
