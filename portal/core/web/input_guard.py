"""Refuse, with a clear 400, request values no field can hold.

A NUL byte makes PostgreSQL fail on any text column, and a control character in ``next`` would
end up in a ``Location`` header: one check before every view, rather than one per form.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

# Fields that name a URL of this site: no control character at all (CR/LF split headers).
URL_FIELDS = ("next",)


class BadInput(BadRequest):
    """A 400 whose page says what was wrong (the tenant's error page, or the plain one)."""

    def __init__(self, explanation):
        super().__init__(description=explanation)
        self.explanation = explanation


def _texts():
    yield request.path
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            yield key
            yield value
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""


def refuse_bad_input() -> None:
    if any("\x00" in text for text in _texts()):
        raise BadInput(
            _l("Un champ contient un caractère nul : retirez-le puis renvoyez le formulaire.")
        )
    for name in URL_FIELDS:
        for value in request.values.getlist(name):
            if any(ord(char) < 32 or ord(char) == 127 for char in value):
                raise BadInput(_l("L'adresse de retour demandée n'est pas valide."))


def init_app(app: Flask) -> None:
    app.before_request(refuse_bad_input)
