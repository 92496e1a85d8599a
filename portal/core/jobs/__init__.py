"""Background jobs (placeholder until the jobs module lands)."""

from flask import Flask


def init_app(app: Flask, plugins) -> None:
    app.extensions["portal.jobs"] = None
