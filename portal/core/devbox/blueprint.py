"""URL rules of the development mailbox."""

from flask import Blueprint

from portal.core.devbox import views

blueprint = Blueprint("devbox", __name__, url_prefix="/_dev/mailbox")
blueprint.add_url_rule("", "mailbox", views.mailbox)
blueprint.add_url_rule("/<int:message_id>", "message", views.message)
blueprint.add_url_rule("/<int:message_id>/raw", "raw", views.raw)
