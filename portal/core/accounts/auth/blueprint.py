"""URL rules of sign-up, activation, login and passwords (French paths, as the portal's users
read them)."""

from flask import Blueprint

from portal.core.accounts.auth import views

blueprint = Blueprint("auth", __name__)
GET_POST = ["GET", "POST"]

rules = [
    ("/inscription", "signup", views.signup, GET_POST),
    ("/inscription/envoyee", "signup_sent", views.signup_sent, ["GET"]),
    ("/activation/<token>", "activate", views.activate, GET_POST),
    ("/activation/nouveau-lien", "resend_activation", views.resend_activation, GET_POST),
    ("/lien-envoye", "link_sent", views.link_sent, ["GET"]),
    ("/premiere-connexion", "first_connection", views.first_connection, GET_POST),
    ("/mot-de-passe/creer/<token>", "set_password", views.set_password, GET_POST),
    ("/connexion", "login", views.login, GET_POST),
    ("/connexion/confirmer", "reauth", views.reauth, GET_POST),
    ("/deconnexion", "logout", views.logout, ["POST"]),
    ("/mot-de-passe/oublie", "forgot_password", views.forgot_password, GET_POST),
    ("/mot-de-passe/reinitialiser/<token>", "reset_password", views.reset_password, GET_POST),
    ("/mot-de-passe/modifier", "change_password", views.change_password, GET_POST),
]
for rule, endpoint, view, methods in rules:
    blueprint.add_url_rule(rule, endpoint, view, methods=methods)

blueprint.register_error_handler(429, views.too_many_attempts)
blueprint.after_request(views.no_store)
