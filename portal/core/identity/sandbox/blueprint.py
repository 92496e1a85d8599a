"""URL rules of the sandbox provider: on the tenant's host, no login (the link is the secret)."""

from flask import Blueprint

from portal.core.identity.sandbox import views

blueprint = Blueprint("identity_sandbox", __name__, url_prefix="/_sandbox/identite")
blueprint.add_url_rule("/<ref>", "welcome", views.welcome)
blueprint.add_url_rule("/<ref>/photo", "photo", views.photo, methods=["GET", "POST"])
blueprint.add_url_rule("/<ref>/attente", "waiting", views.waiting)
blueprint.add_url_rule("/<ref>/code", "code", views.code, methods=["POST"])
