"""URL rules of the resiliation plugin: each part of the plugin registers its own."""

from flask import Blueprint

from plugins.resiliation.mandates import views as mandate_views
from plugins.resiliation.views import (
    documents,
    finalize,
    home,
    letters,
    lists,
    sending,
    tracking,
)

blueprint = Blueprint(
    "resiliation",
    __name__,
    url_prefix="/resiliation",
    static_folder="static",
    static_url_path="/static",
)
blueprint.add_url_rule("/", "home", home.home)
for part in (letters, documents, mandate_views, finalize, sending, tracking, lists):
    part.register(blueprint)
