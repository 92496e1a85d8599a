"""URL rules of the account area."""

from flask import Blueprint

from portal.core.accounts.account import views

blueprint = Blueprint("account", __name__, url_prefix="/compte")
blueprint.add_url_rule("/", "overview", views.overview)
blueprint.add_url_rule("/profil", "choose_profile", views.choose_profile, methods=["GET", "POST"])
