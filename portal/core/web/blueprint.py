"""URL rules of the core web module."""

from flask import Blueprint

from portal.core.web import views

blueprint = Blueprint("core", __name__)
blueprint.add_url_rule("/", "home", views.home)
blueprint.add_url_rule(
    "/verification-identite/plus-tard", "identity_later", views.identity_later, methods=["POST"]
)
blueprint.add_url_rule("/brand.css", "brand_css", views.brand_css)
blueprint.add_url_rule("/theme/<path:filename>", "theme_file", views.theme_file)
blueprint.add_url_rule("/favicon.ico", "favicon", views.favicon)
