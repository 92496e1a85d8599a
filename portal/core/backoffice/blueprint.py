"""URL rules of the back office. Pages of other core modules (review queues) register on
``blueprint`` too, through ``register_page``; the menu lists every page registered with a label."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from werkzeug.exceptions import HTTPException

blueprint = Blueprint("backoffice", __name__, url_prefix="/backoffice")
MENU: list[tuple[str, str, object]] = []  # (endpoint, translated label, required role)
_MENU_ORDER: dict[str, int] = {}
_ENDPOINTS: set[str] = {"home"}


def register_page(
    rule: str, endpoint: str, view, *, label=None, role=None, methods=("GET",), order=500
):
    """Add a back-office page; with ``label`` it appears in the back-office menu (by ``order``).

    Safe to call from every ``create_app`` (tests build several apps): a blueprint cannot take
    new rules once registered, so an endpoint already known is left as it is.
    """
    if endpoint in _ENDPOINTS:
        return
    _ENDPOINTS.add(endpoint)
    blueprint.add_url_rule(rule, endpoint, view, methods=list(methods))
    if label is not None:
        _MENU_ORDER[f"backoffice.{endpoint}"] = order
        MENU.append((f"backoffice.{endpoint}", label, role))
        MENU.sort(key=lambda entry: _MENU_ORDER[entry[0]])


def has_page(endpoint: str) -> bool:
    """Whether a back-office page (``backoffice.<name>``) was registered, by any module."""
    return endpoint.removeprefix("backoffice.") in _ENDPOINTS


def _home():
    return redirect(url_for("backoffice.dashboard"))


blueprint.add_url_rule("/", "home", _home)


@blueprint.errorhandler(HTTPException)
def _error_page(error: HTTPException):
    """Errors of back-office pages in the back-office layout; on a tenant host (where these
    pages do not exist) the plain 404 of every unknown page, so nothing reveals them."""
    if not g.get("backoffice"):
        from portal.core.web.errors import PLAIN_404

        return PLAIN_404, 404, {"Content-Type": "text/html; charset=utf-8"}
    return render_template("backoffice/error.html", error=error), error.code
