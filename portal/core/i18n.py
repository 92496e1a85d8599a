"""Languages: French first, English second; the tenant sets the default, the user may switch."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - Babel's keyword for "translate later"
    """Mark ``message`` for extraction; it is translated where it is shown (``_(message)``)."""
    return message


def select_locale() -> str:
    if not has_request_context():  # a job or a command: French, the source language
        return "fr"
    tenant = g.get("tenant")
    allowed = tenant.config.locales if tenant else ["fr", "en"]
    asked = request.args.get("lang")
    if asked in allowed:
        session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in allowed:
        return chosen
    return tenant.config.default_locale if tenant else "fr"


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.config.timezone if tenant else "Europe/Paris"


def init_app(app: Flask, plugin_folders: list[Path]) -> None:
    folders = [str(CORE_TRANSLATIONS), *(str(p) for p in plugin_folders)]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders)
    # One Babel object per app: Flask-Babel caches catalogs on it, and each app may have its own
    # plugin catalogs.
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
