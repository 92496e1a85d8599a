"""URL rules of the account area ("Mon compte")."""

from flask import Blueprint

from portal.core.accounts.account import views

blueprint = Blueprint(
    "account",
    __name__,
    url_prefix="/compte",
    static_folder="static",
    static_url_path="/static",
)
blueprint.context_processor(views.page_context)
rule = blueprint.add_url_rule

rule("/", "overview", views.overview)
rule("/profil", "choose_profile", views.choose_profile, methods=["GET", "POST"])
rule("/coordonnees", "details", views.details, methods=["GET", "POST"])
rule("/utilisateurs", "profiles", views.profiles)
rule("/utilisateurs/nouveau", "new_profile", views.new_profile, methods=["GET", "POST"])
rule("/utilisateurs/<int:profile_id>", "edit_profile", views.edit_profile, methods=["GET", "POST"])
rule("/entete", "letterhead", views.letterhead)
rule("/entete/ajouter", "letterhead_add", views.letterhead_add, methods=["POST"])
rule("/entete/modifier", "letterhead_change", views.letterhead_change, methods=["POST"])
rule("/entete/apercu.pdf", "letterhead_pdf", views.letterhead_pdf)
rule("/deconnexion-partout", "log_out_all_devices", views.log_out_all_devices, methods=["POST"])
rule("/cloture", "closure", views.closure, methods=["GET", "POST"])
rule("/export.zip", "export", views.export)
