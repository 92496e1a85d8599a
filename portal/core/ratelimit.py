"""Rate limiting (Flask-Limiter): placeholder until the auth module configures it."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
