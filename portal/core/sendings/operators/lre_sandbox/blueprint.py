"""URL rules of the sandbox operator's recipient pages: on the tenant's host, no login (the link
is the secret), only while ``PORTAL_LRE_OPERATOR=sandbox``."""

from flask import Blueprint

from portal.core.sendings.operators.lre_sandbox import views

blueprint = Blueprint("lre_sandbox", __name__, url_prefix="/_sandbox/lre")
blueprint.add_url_rule("/<secret>", "letter", views.letter, methods=["GET", "POST"])
blueprint.add_url_rule("/<secret>/code", "code", views.code, methods=["POST"])
blueprint.add_url_rule("/<secret>/decision", "decision", views.decision, methods=["POST"])
blueprint.add_url_rule("/<secret>/document/<int:position>", "document", views.document)
