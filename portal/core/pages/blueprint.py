"""URL rules of the tenant pages (blueprint ``pages``)."""

from flask import Blueprint

from portal.core.pages import views

blueprint = Blueprint(
    "pages", __name__, url_prefix="/pages", static_folder="static", static_url_path="/static"
)
blueprint.add_url_rule("/<name>", "page", views.page)
