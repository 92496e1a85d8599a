"""Error pages: branded for a known tenant, plain for an unknown host; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PLAIN_404 = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>404</title></head>'
    "<body><h1>404</h1><p>Page introuvable. / Page not found.</p></body></html>"
)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if g.get("tenant") is None:
            if error.code == 404:
                return PLAIN_404, 404, {"Content-Type": "text/html; charset=utf-8"}
            return error
        return render_template("core/errors/http.html", error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error")
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        wrapped = InternalServerError()
        if g.get("tenant") is None:
            return "Erreur interne / Internal error", 500
        return render_template("core/errors/http.html", error=wrapped), 500
