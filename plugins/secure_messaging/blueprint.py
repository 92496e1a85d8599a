"""URL rules of the secure_messaging plugin (« Ma messagerie »)."""

from flask import Blueprint

from plugins.secure_messaging import views
from plugins.secure_messaging.compose import compose

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
# Writing a message (theme → topic → reason, online service, message, summary), several at once:
# /messages/nouveau, /messages/<key>/<step>, /messages/<key>/abandonner, /messages/<key>/service/…
compose.mount(blueprint)
rule("/envoye/<int:conversation_id>", "sent", views.sent)
# The document deposit service.
rule("/documents", "deposit", views.deposit, methods=FORM)
rule("/documents/envoyer", "deposit_send", views.deposit_send, methods=["POST"])
rule("/documents/<int:attachment_id>", "document", views.document)
rule(
    "/documents/<int:attachment_id>/retirer",
    "remove_document",
    views.remove_document,
    methods=["POST"],
)
