"""URL rules of the agent's verification pages (under the account area)."""

from flask import Blueprint

from portal.core.verification import views

blueprint = Blueprint("verification", __name__, url_prefix="/compte/verification")
blueprint.add_url_rule("/", "checklist", views.checklist)
blueprint.add_url_rule("/justificatifs", "documents", views.documents, methods=["GET", "POST"])
blueprint.add_url_rule("/justificatifs/<int:document_id>", "document_file", views.document_file)
blueprint.add_url_rule("/mandat", "mandate", views.mandate, methods=["GET", "POST"])
blueprint.add_url_rule("/mandat.pdf", "mandate_pdf", views.mandate_pdf)
blueprint.add_url_rule("/identite", "identity", views.identity, methods=["GET", "POST"])
