"""URL rules of the user side of messaging: help requests and conversations (blueprint
``messaging``), and the visitors' contact form (blueprint ``contact``, a section of its own)."""

from flask import Blueprint

from portal.core.messaging import contact, views

blueprint = Blueprint("messaging", __name__, url_prefix="/messagerie")
blueprint.context_processor(views.page_context)
rule = blueprint.add_url_rule
FORM = ["GET", "POST"]

# « Aide »: its page, a new help request, and the follow-up of the account's requests.
rule("/aide", "help", views.help_home)
rule("/aide/demandes", "help_requests", views.help_requests)
rule("/aide/nouvelle", "new_help_request", views.new_help_request, methods=FORM)
# Any conversation of the account (help request, secure message, deposit).
rule("/conversations/<int:conversation_id>", "conversation", views.conversation)
rule("/conversations/<int:conversation_id>/repondre", "reply", views.reply, methods=["POST"])
rule("/conversations/<int:conversation_id>/masquer", "hide", views.hide, methods=["POST"])
rule("/conversations/<int:conversation_id>/afficher", "show", views.show, methods=["POST"])
rule(
    "/conversations/<int:conversation_id>/pieces-jointes/<int:attachment_id>",
    "attachment",
    views.attachment,
)

# « Nous contacter »: visitors, no account needed.
contact_blueprint = Blueprint("contact", __name__, url_prefix="/contact")
contact_blueprint.context_processor(views.page_context)
contact_blueprint.register_error_handler(429, contact.too_many_messages)
contact_blueprint.add_url_rule("", "form", contact.form, methods=FORM)
contact_blueprint.add_url_rule("/envoye", "sent", contact.sent)
