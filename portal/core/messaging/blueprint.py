"""URL rules of the user side of messaging: help requests, conversations, the contact form."""

from flask import Blueprint

blueprint = Blueprint("messaging", __name__, url_prefix="/messagerie")
