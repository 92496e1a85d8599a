"""The web shell every tenant shares: layout, brand, home page, errors, menu."""

from __future__ import annotations

from flask import Flask

from portal.core.web import headers, hooks, input_guard
from portal.core.web.blueprint import blueprint
from portal.core.web.errors import register_error_handlers
from portal.core.web.layout import register_layout_context

__all__ = ["hooks", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_layout_context(app)
    headers.init_app(app)
    input_guard.init_app(app)
