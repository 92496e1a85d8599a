"""URL rules of the agent's onboarding pages (« Aide › Demander un accompagnement initial »)."""

from flask import Blueprint

from portal.core.onboarding import views

blueprint = Blueprint("onboarding", __name__, url_prefix="/aide/accompagnement")
blueprint.context_processor(views.page_context)
FORM = ["GET", "POST"]
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/creneaux/<int:slot_id>", "book", views.book, methods=FORM)
blueprint.add_url_rule(
    "/rendez-vous/<int:booking_id>/annuler", "cancel", views.cancel, methods=FORM
)
blueprint.add_url_rule("/rendez-vous/<int:booking_id>/agenda.ics", "ics", views.ics)
