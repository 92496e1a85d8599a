"""URL rules of the user side of messaging: help requests, conversations, the contact form."""

from flask import Blueprint

from portal.core.messaging import views

blueprint = Blueprint("messaging", __name__, url_prefix="/messagerie")
blueprint.context_processor(views.page_context)
blueprint.register_error_handler(429, views.too_many_messages)
rule = blueprint.add_url_rule
FORM = ["GET", "POST"]

# « Aide »: a new help request, and the follow-up of the account's requests.
rule("/aide", "help_requests", views.help_requests)
rule("/aide/nouvelle", "new_help_request", views.new_help_request, methods=FORM)
# Any conversation of the account (help request, secure message, deposit).
rule("/conversations/<int:conversation_id>", "conversation", views.conversation)
rule("/conversations/<int:conversation_id>/repondre", "reply", views.reply, methods=["POST"])
rule("/conversations/<int:conversation_id>/masquer", "hide", views.hide, methods=["POST"])
rule("/conversations/<int:conversation_id>/afficher", "show", views.show, methods=["POST"])
rule("/pieces-jointes/<int:attachment_id>", "attachment", views.attachment)
# « Nous contacter »: visitors, no account needed.
rule("/contact", "contact", views.contact, methods=FORM)
rule("/contact/envoye", "contact_sent", views.contact_sent)
