"""URL rules of the subscription plugin: each views module adds its own (``add_rules``)."""

from flask import Blueprint

from plugins.subscription.views import client_space, contracts, home, products, quotes, subscribe

blueprint = Blueprint("subscription", __name__, url_prefix="/souscription", static_folder="static")
for module in (home, quotes, subscribe, client_space, contracts, products):
    module.add_rules(blueprint)
