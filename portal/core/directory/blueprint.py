"""Every URL rule of the directory on a tenant's host (the operators' pages are in
:mod:`portal.core.directory.backoffice`)."""

from __future__ import annotations

from flask import Blueprint

from portal.core.directory import views

blueprint = Blueprint("directory", __name__)
blueprint.add_url_rule("/annuaire/recherche", "lookup", views.lookup)
