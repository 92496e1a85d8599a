"""URL rules of the paper_mail plugin: each part of the plugin registers its own."""

from flask import Blueprint

from plugins.paper_mail.views import compose, lists, mails

blueprint = Blueprint(
    "paper_mail",
    __name__,
    url_prefix="/paper-mail",
    static_folder="static",
    static_url_path="/static",
)
for part in (lists, compose, mails):
    part.register(blueprint)
