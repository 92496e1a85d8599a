"""URL rules of the sandbox printer's tracking page: on the tenant's host, no login (the
reference is the key), only while ``PORTAL_PAPER_OPERATOR=sandbox``."""

from flask import Blueprint

from portal.core.sendings.operators.paper_sandbox import views

blueprint = Blueprint("paper_sandbox", __name__, url_prefix="/_sandbox/courrier")
blueprint.add_url_rule("/<ref>", "tracking", views.tracking)
blueprint.add_url_rule("/<ref>/preuve/<int:proof_id>", "proof", views.proof)
