"""URL rules of the secure_messaging plugin (« Ma messagerie »)."""

from flask import Blueprint

from plugins.secure_messaging import views

blueprint = Blueprint(
    "secure_messaging",
    __name__,
    url_prefix="/secure-messaging",
    static_folder="static",
    static_url_path="/static",
)
blueprint.context_processor(views.page_context)
rule = blueprint.add_url_rule
FORM = ["GET", "POST"]

rule("/", "home", views.home)
# Writing a message: theme → topic → reason, the online service, the message, the summary.
rule("/nouveau/theme", "theme", views.theme, methods=FORM)
rule("/nouveau/sujet", "topic", views.topic, methods=FORM)
rule("/nouveau/motif", "reason", views.reason, methods=FORM)
rule("/nouveau/service/fermer", "dismiss_service", views.dismiss_service, methods=["POST"])
rule("/nouveau/message", "message", views.message, methods=FORM)
rule("/nouveau/recapitulatif", "summary", views.summary, methods=FORM)
rule("/nouveau/annuler", "cancel", views.cancel, methods=["POST"])
rule("/envoye/<int:conversation_id>", "sent", views.sent)
# The document deposit service.
rule("/documents", "deposit", views.deposit, methods=FORM)
rule("/documents/envoyer", "deposit_send", views.deposit_send, methods=["POST"])
rule(
    "/documents/<int:attachment_id>/retirer",
    "remove_document",
    views.remove_document,
    methods=["POST"],
)
