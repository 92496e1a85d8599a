"""Every URL rule of the sendings module: the operators' callback (``sendings``, no prefix,
anonymous and CSRF-exempt: the operator signs its calls)."""

from __future__ import annotations

from flask import Blueprint

from portal.core.sendings import views

blueprint = Blueprint("sendings", __name__)
blueprint.add_url_rule(
    "/_operators/<channel>/<operator>/callback",
    "operator_callback",
    views.operator_callback,
    methods=["POST"],
)
