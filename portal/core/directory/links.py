"""Links plugins put next to a directory search."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

# The longest name carried into the help request (the rest of a long paste is dropped).
MAX_TYPED = 200
ADDITION_TOPIC = "resiliation/ajout-compagnie"


def request_addition_url(typed: str, *, topic: str = ADDITION_TOPIC) -> str:
    """« Demander l'ajout d'une compagnie »: the help-request form with its subject chosen and its
    message started with what the agent typed (« Merci d'ajouter la compagnie suivante à
    l'annuaire : … »); with nothing typed, the subject only."""
    typed = " ".join((typed or "").split())[:MAX_TYPED]
    if not typed:
        return url_for("messaging.new_help_request", topic=topic)
    text = _("Merci d'ajouter la compagnie suivante à l'annuaire : %(name)s", name=typed)
    return url_for("messaging.new_help_request", topic=topic, text=text)
