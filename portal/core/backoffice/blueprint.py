"""URL rules of the back office. Pages of other core modules (review queues) register on
``blueprint`` too, through ``register_page``; the menu lists every page registered with a label."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

blueprint = Blueprint("backoffice", __name__, url_prefix="/backoffice")
MENU: list[tuple[str, str, object]] = []  # (endpoint, translated label, required role)


def register_page(rule: str, endpoint: str, view, *, label=None, role=None, methods=("GET",)):
    """Add a back-office page; with ``label`` it appears in the back-office menu."""
    blueprint.add_url_rule(rule, endpoint, view, methods=list(methods))
    if label is not None:
        MENU.append((f"backoffice.{endpoint}", label, role))


def _home():
    return redirect(url_for("backoffice.dashboard"))


blueprint.add_url_rule("/", "home", _home)
