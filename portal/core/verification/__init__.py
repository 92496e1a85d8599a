"""Professional identity documents, the platform mandate, strong identity verification, and
the answer to "may this account send?"."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Called before the back office, so review pages can ``register_page``."""
